import { uuid } from './common.ts';
import { moduleName } from './modules.ts';

/**
 * Shapes of the records API. A record body's own schema is generated from the module's
 * definition at request time (server/studio/record-schema.ts): here it is any object.
 */

export const recordModuleParams = {
  type: 'object',
  properties: { module: moduleName },
  required: ['module'],
  additionalProperties: false,
} as const;

export const recordParams = {
  type: 'object',
  properties: { module: moduleName, id: uuid },
  required: ['module', 'id'],
  additionalProperties: false,
} as const;

export const recordBody = {
  type: 'object',
  description: "The module's fields by name; checked against the module's current definition.",
} as const;

export const recordListQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 4000 },
    sort: { type: 'string', maxLength: 500, description: '`field` or `-field`, comma-separated' },
    columns: { type: 'string', maxLength: 4000, description: 'comma-separated field names' },
    q: { type: 'string', maxLength: 200 },
    where: { type: 'string', maxLength: 20_000, description: 'a JSON-encoded json-logic condition' },
  },
  additionalProperties: false,
} as const;

export const changelogQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 2000 },
    module: moduleName,
    recordId: uuid,
    userId: uuid,
  },
  additionalProperties: false,
} as const;

export const recordChangelogQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 2000 },
  },
  additionalProperties: false,
} as const;

export const viewsQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 2000 },
    userId: uuid,
    module: moduleName,
    recordId: uuid,
  },
  additionalProperties: false,
} as const;
