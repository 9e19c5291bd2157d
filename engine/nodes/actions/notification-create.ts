import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';

const params = {
  type: 'object',
  properties: {
    userId: {
      type: 'string',
      minLength: 1,
      title: 'User',
      description: 'Who is notified; may be a variable such as {{record.assignedTo}}',
      'x-weft-ref': 'user',
    },
    text: { type: 'string', minLength: 1, maxLength: 2000, title: 'Text' },
  },
  required: ['userId', 'text'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { notificationId: { type: 'string' } },
  additionalProperties: false,
} as const;

/** X2FlowCreateNotif: a notification for one user, pushed live to their open sessions. */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'notification.create',
  title: 'Notify a user',
  category: 'Collaboration',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const record = (ctx.record ?? {}) as { module?: unknown; id?: unknown };
    const notification = await servicesOf(ctx).notifications.notify({
      userId: input.userId,
      text: input.text,
      module: typeof record.module === 'string' ? record.module : null,
      recordId: typeof record.id === 'string' ? record.id : null,
    });
    return { notificationId: notification.id };
  },
});
