import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode, moduleParam } from '../define.ts';

const fieldName = { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$' } as const;

/** Writes a record from the delivery before the run starts: no code step needed. */
export const webhookMappingSchema = {
  type: 'object',
  title: 'Write a record from the payload',
  properties: {
    module: { ...moduleParam, description: 'The module of the record the delivery creates or updates' },
    matchField: {
      ...fieldName,
      title: 'Match on field',
      description: 'An existing record whose field equals the mapped value is updated instead of a new one',
    },
    fields: {
      type: 'object',
      title: 'Fields',
      description: 'Record field → path in the JSON body, dotted (data.object.email, items.0.sku)',
      propertyNames: fieldName,
      additionalProperties: { type: 'string', pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+){0,15}$' },
      minProperties: 1,
      maxProperties: 100,
    },
    onMatch: { enum: ['update', 'skip'], title: 'When a record matches', default: 'update' },
    onNoMatch: { enum: ['create', 'skip'], title: 'When none matches', default: 'create' },
  },
  required: ['module', 'fields'],
  additionalProperties: false,
} as const;

const params = {
  type: 'object',
  properties: {
    service: {
      // connectors/services.ts names the same verifiers (test/webhook-services.test.ts checks).
      enum: ['weft', 'github', 'stripe', 'shopify', 'slack', 'sharedSecret'],
      title: 'Sender',
      description:
        'Whose signature the deliveries carry (Weft’s own, GitHub, Stripe, Shopify, Slack, or a shared secret header)',
      default: 'weft',
    },
    secretHeader: {
      type: 'string',
      pattern: '^[A-Za-z0-9-]{1,100}$',
      title: 'Secret header (shared secret)',
    },
    deliveryHeader: {
      type: 'string',
      pattern: '^[A-Za-z0-9-]{1,100}$',
      title: 'Delivery id header (shared secret)',
    },
    mapping: webhookMappingSchema,
    conditions: conditionsParam,
  },
  additionalProperties: false,
} as const;

export type WebhookTriggerParams = FromSchema<typeof params>;
export type WebhookMapping = FromSchema<typeof webhookMappingSchema>;

const output = {
  type: 'object',
  properties: {
    service: { type: 'string' },
    deliveryId: { type: 'string' },
    body: { title: 'The JSON body' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    eventId: { type: 'integer' },
    mapping: {
      type: 'object',
      properties: { action: { type: 'string' }, recordId: { type: 'string' }, error: { type: 'string' } },
    },
  },
  additionalProperties: false,
} as const;

/**
 * An inbound webhook: `POST /api/hooks/flows/<flow id>`, verified as the chosen service signs
 * (connectors/). The delivery is stored, and its record written when the flow maps one,
 * before it is acknowledged; the run's record is that record.
 */
export default defineTriggerNode<WebhookTriggerParams>({
  type: 'trigger.webhook',
  title: 'Inbound webhook',
  category: 'Connectors',
  description:
    'Weft signature: HMAC-SHA256 of `timestamp + "." + deliveryId + "." + body` with the flow’s secret, sent as x-weft-signature: sha256=<hex> with x-weft-timestamp and x-weft-delivery. Or GitHub, Stripe, Shopify, Slack signatures, or a shared secret header.',
  params,
  output,
  providesRecord: true,
  events: ['webhook.received'],
  moduleOf: (params) => params.mapping?.module ?? null,
  match: (event) => ({
    record: null,
    trigger: {
      service: event.payload.service ?? 'weft',
      deliveryId: event.payload.deliveryId,
      body: event.payload.body,
      headers: event.payload.headers,
      eventId: event.id,
      ...(event.payload.mapping ? { mapping: event.payload.mapping } : {}),
    },
    user: null,
  }),
});
