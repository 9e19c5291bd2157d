/** Duplicates, merges and missing records (admin). */
const moduleName = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } as const;
const uuid = { type: 'string', format: 'uuid' } as const;

export const duplicatesQuery = {
  type: 'object',
  properties: {
    module: moduleName,
    rules: {
      type: 'string',
      pattern: '^(email|phone|name)(,(email|phone|name))*$',
      default: 'email,phone,name',
      description: 'Comma-separated: email (exact), phone (same digits), name (trigram similarity)',
    },
    threshold: {
      type: 'number',
      minimum: 0.1,
      maximum: 1,
      default: 0.5,
      description: 'Name similarity, 0–1',
    },
  },
  required: ['module'],
  additionalProperties: false,
} as const;

export const mergeBody = {
  type: 'object',
  properties: {
    module: moduleName,
    survivorId: uuid,
    mergedIds: { type: 'array', items: uuid, minItems: 1, maxItems: 50, uniqueItems: true },
    choices: {
      type: 'object',
      description: 'Field → id of the record (survivor or merged) whose value the survivor keeps',
      additionalProperties: uuid,
    },
  },
  required: ['module', 'survivorId', 'mergedIds'],
  additionalProperties: false,
} as const;

export const mergesQuery = {
  type: 'object',
  properties: {
    module: moduleName,
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    cursor: { type: 'string', maxLength: 500 },
  },
  additionalProperties: false,
} as const;

export const moduleQuery = {
  type: 'object',
  properties: { module: moduleName },
  required: ['module'],
  additionalProperties: false,
} as const;
