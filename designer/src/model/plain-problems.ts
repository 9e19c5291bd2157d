/**
 * Validator messages ("must have required property 'subject'") rewritten as a sentence about
 * the field, by its label ("Enter a subject", "Choose a user or group"), and put on the field
 * they concern. Messages already written for people (reference problems, graph problems)
 * pass through unchanged. Pure: the node panel and the problems list share it.
 */
import { type ReferenceKind, referenceNouns, withArticle } from '../../../schemas/references.ts';

export interface RawProblem {
  code: string;
  message: string;
  nodeId?: string;
  path?: string;
}

interface PropertySchema {
  title?: string;
  type?: unknown;
  enum?: unknown[];
  'x-weft-ref'?: string;
  'x-weft-choices'?: string[];
}

const article = (noun: string) => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);
/** Nouns that read wrong after "a": "Enter the text", not "Enter a text". */
const massNouns = /(^|\s)(text|body|description|html|values)$/;
const determined = (noun: string) => (massNouns.test(noun) ? `the ${noun}` : article(noun));

/** The schema of the param a JSON pointer into the params points at (top level only). */
function propertyAt(params: unknown, key: string): PropertySchema | undefined {
  const properties = (params as { properties?: Record<string, PropertySchema> } | undefined)?.properties;
  return properties?.[key];
}

/** Whether a param is one of an anyOf / oneOf's alternatives (an email's text or HTML body). */
function inAlternatives(params: unknown, key: string): boolean {
  const { anyOf, oneOf } = (params ?? {}) as { anyOf?: unknown; oneOf?: unknown };
  return [anyOf, oneOf].some(
    (branches) =>
      Array.isArray(branches) &&
      branches.some((b) => ((b as { required?: unknown }).required as string[] | undefined)?.includes(key)),
  );
}

/** "Subject" → "Enter a subject"; a reference → "Choose a user". */
export function askFor(property: PropertySchema | undefined, key: string): string {
  const ref = property?.['x-weft-ref'];
  if (ref === 'fieldValues') return 'Choose at least one field to set';
  if (ref && ref in referenceNouns) return `Choose ${withArticle(referenceNouns[ref as ReferenceKind])}`;
  const title = property?.title ?? key;
  if (property?.enum) return `Choose ${title.toLowerCase()}`;
  return `Enter ${determined(title.toLowerCase())}`;
}

/** The problem in plain words, on the param it concerns; `null` for a message that only echoes another. */
export function plainProblem(problem: RawProblem, params: unknown): RawProblem | null {
  const { message } = problem;
  // An if/then's "then" failure always comes with the failure inside it, which says more.
  if (/^must match "(then|else)" schema/.test(message)) return null;
  // "Fill in one of": an anyOf / oneOf of required params (an email's text or HTML body).
  if (/^must match (a schema in anyOf|exactly one schema in oneOf)/.test(message) && !problem.path) {
    const branches =
      (params as { anyOf?: unknown; oneOf?: unknown } | undefined)?.anyOf ??
      (params as { oneOf?: unknown } | undefined)?.oneOf;
    const names = Array.isArray(branches)
      ? branches.flatMap((b) =>
          ((b as { required?: string[] }).required ?? []).map((key) => propertyAt(params, key)?.title ?? key),
        )
      : [];
    if (names.length > 0) return { ...problem, message: `Fill in ${names.join(' or ')}` };
  }
  const required = /^must have required property '([^']+)'/.exec(message);
  if (required) {
    const key = required[1] as string;
    const path = `${problem.path ?? ''}/${key}`;
    // Said once, by the anyOf's own "Fill in … or …".
    if (!problem.path && inAlternatives(params, key)) return null;
    if (path !== `/${key}`) return { ...problem, path, message: `Enter ${key}` };
    return { ...problem, path, message: askFor(propertyAt(params, key), key) };
  }
  const key = /^\/([^/]+)$/.exec(problem.path ?? '')?.[1];
  if (!key) return problem;
  const property = propertyAt(params, key);
  const title = property?.title ?? key;
  if (/^must NOT have fewer than 1 characters/.test(message))
    return { ...problem, message: askFor(property, key) };
  if (/^must NOT have fewer than 1 properties/.test(message))
    return {
      ...problem,
      message: property?.['x-weft-ref'] ? askFor(property, key) : `Add at least one to ${title}`,
    };
  const longer = /^must NOT have more than (\d+) characters/.exec(message);
  if (longer) return { ...problem, message: `${title} is too long: at most ${longer[1]} characters` };
  if (/^must be equal to one of the allowed values/.test(message)) {
    const names = property?.['x-weft-choices'] ?? property?.enum?.map(String) ?? [];
    return { ...problem, message: `Choose ${title.toLowerCase()}: ${names.join(', ')}` };
  }
  if (/^must match pattern/.test(message))
    return { ...problem, message: `${title} is not in the expected form` };
  const type = /^must be (string|number|integer|boolean|object|array)/.exec(message)?.[1];
  if (type)
    return {
      ...problem,
      message: `${title} must be ${type === 'integer' ? 'a whole number' : article(type === 'string' ? 'text' : type)}`,
    };
  return problem;
}

/** Every problem in plain words, each said once. */
export function plainProblems<P extends RawProblem>(
  problems: readonly P[],
  paramsOf: (nodeId: string | undefined) => unknown,
): P[] {
  const seen = new Set<string>();
  const out: P[] = [];
  for (const problem of problems) {
    const plain = plainProblem(problem, paramsOf(problem.nodeId));
    if (!plain) continue;
    const key = `${plain.nodeId}\u0000${plain.path}\u0000${plain.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...problem, ...plain });
  }
  return out;
}
