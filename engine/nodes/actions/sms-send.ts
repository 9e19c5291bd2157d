import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';

const params = {
  type: 'object',
  properties: {
    to: {
      type: 'string',
      maxLength: 40,
      title: 'To',
      description:
        "A phone number in international form (+15551234567), may be a template; empty: the record's phone",
    },
    body: {
      type: 'string',
      minLength: 1,
      maxLength: 1600,
      title: 'Message',
      description: 'May hold {{variables}}',
    },
  },
  required: ['body'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    status: {
      type: 'string',
      description: 'The provider status (queued, sent…); skipped when the record said "do not text"',
    },
    providerId: { type: ['string', 'null'] },
    skipped: { type: 'string', enum: ['doNotText'] },
  },
  additionalProperties: false,
} as const;

const text = (value: unknown) =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** X2FlowSms / text message: through the configured provider (a Twilio-compatible API). */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'sms.send',
  title: 'Send SMS',
  category: 'Marketing',
  description:
    'Honours "do not text" (the record\'s doNotText, or doNotCall where there is none): nothing is sent.',
  params,
  output,
  external: true,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 2000 },
  async run(ctx, input) {
    const record = (ctx.record ?? {}) as Record<string, unknown>;
    const optedOut = 'doNotText' in record ? record.doNotText === true : record.doNotCall === true;
    if (optedOut) return { id: '', status: 'skipped', providerId: null, skipped: 'doNotText' };
    return servicesOf(ctx).marketing.sendSms({
      to: text(input.to) ?? text(record.phone) ?? '',
      body: input.body,
      module: typeof record.module === 'string' ? record.module : null,
      recordId: typeof record.id === 'string' ? record.id : null,
      idempotencyKey: ctx.idempotencyKey,
    });
  },
});
