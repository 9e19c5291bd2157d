/**
 * Linked records in templates: `{{record.company.name}}`, `{{record.assignedTo.email}}`.
 * The runtime loads the linked records a flow's templates name (at most three links deep)
 * and passes them with the transition, like condition facts (`facts.links`, keyed by the
 * link's path in the record: `company`, `company.parent`); they are never persisted, so a
 * run reads them as they are when each step is readied. In the template a link field is a
 * LinkedRecord: it renders as the id it holds, and its properties are the linked record's.
 */
import { Drop } from 'liquidjs';

export type LinkFacts = Readonly<Record<string, Record<string, unknown> | null>>;

export class LinkedRecord extends Drop {
  readonly #id: unknown;
  readonly #record: Record<string, unknown> | null;

  constructor(id: unknown, record: Record<string, unknown> | null) {
    super();
    this.#id = id;
    this.#record = record;
  }

  /** The linked record's own field (LinkedRecord again for a link loaded further). */
  read(key: string): unknown {
    return this.#record && Object.hasOwn(this.#record, key) ? this.#record[key] : undefined;
  }

  override liquidMethodMissing(key: string | number): unknown {
    return this.read(String(key));
  }

  override valueOf(): unknown {
    return this.#id;
  }

  toJSON(): unknown {
    return this.#id;
  }
}

/** The value as data: a LinkedRecord is the id it holds. */
export function unwrapLinks(value: unknown): unknown {
  return value instanceof LinkedRecord ? value.valueOf() : value;
}

function linked(record: Record<string, unknown>, links: LinkFacts, prefix: string): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [path, target] of Object.entries(links)) {
    if (!path.startsWith(prefix)) continue;
    const key = path.slice(prefix.length);
    if (key.includes('.') || !Object.hasOwn(record, key)) continue;
    copy ??= { ...record };
    copy[key] = new LinkedRecord(record[key], target && linked(target, links, `${path}.`));
  }
  return copy ?? record;
}

/** The record with its loaded link fields as LinkedRecords; as it is without links. */
export function withLinkedRecords(record: unknown, links: LinkFacts | undefined): unknown {
  if (!links || record === null || typeof record !== 'object' || Array.isArray(record)) return record;
  return linked(record as Record<string, unknown>, links, '');
}

/**
 * The link paths a set of variables may read through: `record.company.parent.name` may
 * need `company` and `company.parent`. Which of them are link fields only the runtime
 * knows (by the module's definition); the others it skips.
 */
export function linkPaths(variables: Iterable<string>, maxDepth = 3): string[] {
  const paths = new Set<string>();
  for (const variable of variables) {
    const [root, ...segments] = variable.split('.');
    if (root !== 'record') continue;
    for (let i = 1; i < segments.length && i <= maxDepth; i += 1) paths.add(segments.slice(0, i).join('.'));
  }
  return [...paths].sort();
}
