import { moduleName } from './modules.ts';

/** Tags on records and the tag manager. */

const tag = { type: 'string', minLength: 1, maxLength: 100 } as const;

export const tagsBody = {
  type: 'object',
  properties: { tags: { type: 'array', items: tag, minItems: 1, maxItems: 100, uniqueItems: true } },
  required: ['tags'],
  additionalProperties: false,
} as const;

export const tagParams = {
  type: 'object',
  properties: { tag },
  required: ['tag'],
  additionalProperties: false,
} as const;

export const tagsQuery = {
  type: 'object',
  properties: { module: moduleName },
  additionalProperties: false,
} as const;
