import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';

const params = {
  type: 'object',
  properties: {
    requestId: {
      type: 'string',
      minLength: 1,
      default: '{{trigger.requestId}}',
      title: 'Request',
      description: 'The targeted-content request to answer (the trigger gives it)',
    },
    content: {
      type: 'string',
      maxLength: 100_000,
      title: 'Content (HTML)',
      description: 'May hold {{variables}}',
    },
  },
  required: ['requestId', 'content'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    delivered: { type: 'boolean', description: 'false: the request was answered already or timed out' },
  },
  required: ['delivered'],
  additionalProperties: false,
} as const;

/** X2FlowPushWebContent: answers the web tracker's request for targeted content. */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'web.pushContent',
  title: 'Push web content',
  category: 'Marketing',
  params,
  output,
  retry: { attempts: 2, backoff: 'fixed', delayMs: 200 },
  async run(ctx, input) {
    return servicesOf(ctx).marketing.pushWebContent(input.requestId, input.content);
  },
});
