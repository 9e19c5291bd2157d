/** Shapes shared by every API area. */

export const uuid = { type: 'string', format: 'uuid' } as const;

export const idParams = {
  type: 'object',
  properties: { id: uuid },
  required: ['id'],
  additionalProperties: false,
} as const;

export const errorResponse = {
  $id: 'weft.error',
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {},
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

/** Query string of every list: `{ items, nextCursor }` answers take these. */
export const listQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 2000 },
    q: { type: 'string', maxLength: 200 },
  },
  additionalProperties: false,
} as const;

export function listOf<T extends object>(item: T) {
  return {
    type: 'object',
    properties: { items: { type: 'array', items: item }, nextCursor: { type: ['string', 'null'] } },
    required: ['items', 'nextCursor'],
  } as const;
}
