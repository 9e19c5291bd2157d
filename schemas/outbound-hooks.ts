/** Outbound hooks (server/hooks/): subscriptions to Weft's events, delivered as signed JSON. */

/** `record.created`, `record.updated:contacts` (one module), `webform.submitted` … */
export const hookEvent = {
  type: 'string',
  pattern: '^[a-z]+\\.[A-Za-z]+(:[a-z][a-z0-9_]{0,62})?$',
  maxLength: 120,
} as const;

export const knownHookEvents = [
  'record.created',
  'record.updated',
  'record.deleted',
  'tag.added',
  'tag.removed',
  'webform.submitted',
  'webhook.received',
  'task.overdue',
  'user.signedIn',
] as const;

export const hookSubscriptionBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    url: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2000 },
    events: {
      type: 'array',
      items: hookEvent,
      minItems: 1,
      maxItems: 50,
      uniqueItems: true,
      description: 'Event types, optionally narrowed to one module: record.created:contacts',
    },
    active: { type: 'boolean', default: true },
    maxFailures: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
  },
  required: ['name', 'url', 'events'],
  additionalProperties: false,
} as const;

export const hookSubscriptionPatch = {
  type: 'object',
  properties: hookSubscriptionBody.properties,
  additionalProperties: false,
  minProperties: 1,
} as const;

export const hookParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
  additionalProperties: false,
} as const;

export const hookDeliveriesQuery = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
  additionalProperties: false,
} as const;
