import type { FromSchema } from 'json-schema-to-ts';
import { uuid } from './common.ts';
import { moduleName } from './modules.ts';

/** Lists of records: static (chosen members) or dynamic (a saved json-logic filter). */

const name = { type: 'string', minLength: 1, maxLength: 200 } as const;
const criteria = {
  type: ['object', 'boolean'],
  description: 'A json-logic condition over the module fields, as in `where`.',
} as const;
const visibility = { type: 'string', enum: ['public', 'private'] } as const;

export const listBody = {
  type: 'object',
  properties: {
    module: moduleName,
    name,
    kind: { type: 'string', enum: ['static', 'dynamic'] },
    criteria,
    visibility,
    recordIds: { type: 'array', items: uuid, maxItems: 10_000, uniqueItems: true },
  },
  required: ['module', 'name', 'kind'],
  additionalProperties: false,
} as const;

export const listPatchBody = {
  type: 'object',
  properties: { name, criteria, visibility },
  additionalProperties: false,
  minProperties: 1,
} as const;

export const listMembersBody = {
  type: 'object',
  properties: { recordIds: { type: 'array', items: uuid, minItems: 1, maxItems: 10_000, uniqueItems: true } },
  required: ['recordIds'],
  additionalProperties: false,
} as const;

export const listsQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 2000 },
    q: { type: 'string', maxLength: 200 },
    module: moduleName,
  },
  additionalProperties: false,
} as const;

export type ListInput = FromSchema<typeof listBody>;
export type ListPatch = FromSchema<typeof listPatchBody>;
