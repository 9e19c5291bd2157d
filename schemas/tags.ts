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

export const tagRenameBody = {
  type: 'object',
  properties: { to: tag },
  required: ['to'],
  additionalProperties: false,
} as const;

export const tagMergeBody = {
  type: 'object',
  properties: {
    tags: { type: 'array', items: tag, minItems: 1, maxItems: 100, uniqueItems: true },
    into: tag,
  },
  required: ['tags', 'into'],
  additionalProperties: false,
} as const;

/** Deleting every tag is confirmed with the number of tags the admin was shown. */
export const tagsDeleteAllQuery = {
  type: 'object',
  properties: { confirm: { type: 'integer', minimum: 0 } },
  required: ['confirm'],
  additionalProperties: false,
} as const;
