import { NonRetriableError } from '../../runtime/errors.ts';

/** Param schemas and helpers shared by the record actions. */

export const moduleName = {
  type: 'string',
  pattern: '^[a-z][a-z0-9_]{0,62}$',
  title: 'Module',
  description: 'A module name, e.g. contacts, accounts, tasks',
} as const;

export const fieldValues = {
  type: 'object',
  title: 'Field values',
  description: 'Field name → value; `{{…}}` templates are rendered first',
  'x-weft-ref': 'fieldValues',
  propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$' },
} as const;

export const recordOutput = {
  type: 'object',
  description: 'The record with its `module` and `id`, as triggers give it',
} as const;

/** A record as the engine hands it on: its values plus `module` and `id`, like trigger records. */
export function asCurrent(module: string, record: Record<string, unknown>): Record<string, unknown> {
  return { ...record, module, id: String(record.id) };
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids rendered from templates may be anything: a malformed one is the flow's mistake, not a retry. */
export function checkId(param: string, value: string): string {
  if (!uuid.test(value)) throw new NonRetriableError(`${param} is not an id (${value.slice(0, 60)})`);
  return value;
}
