/** API bodies and queries of inbound webhooks' administration (server/automation/hooks-routes.ts). */

export const flowParams = {
  type: 'object',
  properties: { flowId: { type: 'string', format: 'uuid' } },
  required: ['flowId'],
  additionalProperties: false,
} as const;

export const deliveryParams = {
  type: 'object',
  properties: { flowId: { type: 'string', format: 'uuid' }, id: { type: 'integer', minimum: 1 } },
  required: ['flowId', 'id'],
  additionalProperties: false,
} as const;

export const deliveriesQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    cursor: { type: 'integer', minimum: 1 },
    status: { enum: ['accepted', 'duplicate', 'refused', 'replayed'] },
  },
  additionalProperties: false,
} as const;

export const webhookSecretBody = {
  type: 'object',
  properties: {
    secret: {
      type: 'string',
      minLength: 16,
      maxLength: 200,
      pattern: '^\\S+$',
      description: 'The signing secret the service gave (at least 16 characters, no spaces)',
    },
  },
  required: ['secret'],
  additionalProperties: false,
} as const;
