/**
 * What an import does with a link cell given by name that matches no record, or several
 * (the user's choice, made on the pre-flight): per link field, `missing` — fail the row
 * (the default), leave the link empty, or create the linked record with that name — and
 * `ambiguous` — fail the row (the default) or leave it empty, unless `picks` names which of
 * the matching records a name means. Stored with the import (`imports.link_choices`).
 */
import type { LinkChoices } from '../../schemas/imports.ts';
import type { Db } from '../db/index.ts';
import type { Principal } from '../platform/authz.ts';
import { invalid } from '../platform/errors.ts';
import { createRecord } from '../records/records.ts';
import type { ModuleDefinition } from '../studio/modules.ts';

export type { LinkChoices };

/** The `links` query parameter: JSON, each key a link field of the module. */
export function parseLinkChoices(text: string | undefined, module: ModuleDefinition): LinkChoices {
  if (text === undefined || text === '') return {};
  let given: unknown;
  try {
    given = JSON.parse(text);
  } catch {
    throw invalid('links', 'is not valid JSON');
  }
  if (typeof given !== 'object' || given === null || Array.isArray(given))
    throw invalid('links', 'must be a JSON object of link field → choices');
  const choices: LinkChoices = {};
  for (const [name, raw] of Object.entries(given)) {
    const field = module.fields.find((candidate) => candidate.name === name);
    if (field?.type !== 'link') throw invalid('links', `"${name}" is no link field of ${module.name}`);
    const choice = (raw ?? {}) as Record<string, unknown>;
    const missing = choice.missing ?? 'fail';
    const ambiguous = choice.ambiguous ?? 'fail';
    if (missing !== 'fail' && missing !== 'empty' && missing !== 'create')
      throw invalid('links', `${name}.missing must be fail, empty or create`);
    if (ambiguous !== 'fail' && ambiguous !== 'empty')
      throw invalid('links', `${name}.ambiguous must be fail or empty`);
    const picks: Record<string, string> = {};
    for (const [text, id] of Object.entries((choice.picks ?? {}) as Record<string, unknown>)) {
      if (typeof id !== 'string') throw invalid('links', `${name}.picks["${text}"] must be a record id`);
      picks[text.toLowerCase()] = id.toLowerCase();
    }
    choices[name] = { missing, ambiguous, picks };
  }
  return choices;
}

/** What the pre-flight tells about a link field's names: the ones that matched none or several. */
export interface LinkReport {
  missing: Map<string, { text: string; rows: number }>;
  ambiguous: Map<string, { text: string; rows: number; ids: string[] }>;
}

/**
 * Linked records an import creates for names that matched none, once per name however many
 * rows (and batches, running at once) name it; in a pre-flight, none is created.
 */
export class LinkCreator {
  readonly #db: Db;
  readonly #principal: Principal;
  readonly #actor: { id: string; username: string };
  readonly #made = new Map<string, Promise<string>>();

  constructor(db: Db, principal: Principal) {
    this.#db = db;
    this.#principal = principal;
    this.#actor = { id: principal.id, username: principal.username };
  }

  /** The record's display field, set to the name: only for a module shown by one field. */
  static fieldFor(target: ModuleDefinition): string | null {
    const [only, ...more] = target.displayFields;
    return only && more.length === 0 && only !== 'id' ? only : null;
  }

  create(target: ModuleDefinition, text: string): Promise<string> {
    const key = `${target.name}:${text.toLowerCase()}`;
    let made = this.#made.get(key);
    if (!made) {
      const field = LinkCreator.fieldFor(target) as string;
      made = createRecord(this.#db, this.#principal, this.#actor, target.name, { [field]: text }).then(
        (record) => String(record.id),
      );
      this.#made.set(key, made);
      made.catch(() => this.#made.delete(key));
    }
    return made;
  }

  /** How many linked records were created, per module. */
  get created(): number {
    return this.#made.size;
  }
}
