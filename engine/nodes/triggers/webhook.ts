import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode } from '../define.ts';

const params = {
  type: 'object',
  properties: { conditions: conditionsParam },
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    deliveryId: { type: 'string' },
    body: { title: 'The JSON body' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    eventId: { type: 'integer' },
  },
  additionalProperties: false,
} as const;

/**
 * An inbound webhook: `POST /api/hooks/flows/<flow id>`, signed with the flow's secret
 * (connectors/webhook.ts). The delivery is stored before it is acknowledged.
 */
export default defineTriggerNode<FromSchema<typeof params>>({
  type: 'trigger.webhook',
  title: 'Inbound webhook',
  category: 'Connectors',
  description:
    'Sign `timestamp + "." + body` with HMAC-SHA256 and the flow’s secret; send x-weft-timestamp, x-weft-signature: sha256=<hex> and x-weft-delivery.',
  params,
  output,
  providesRecord: false,
  events: ['webhook.received'],
  moduleOf: () => null,
  match: (event) => ({
    record: null,
    trigger: {
      deliveryId: event.payload.deliveryId,
      body: event.payload.body,
      headers: event.payload.headers,
      eventId: event.id,
    },
    user: null,
  }),
});
