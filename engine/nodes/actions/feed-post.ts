import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';

const params = {
  type: 'object',
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 5000, title: 'Text' },
    visibility: { type: 'string', enum: ['public', 'private'], default: 'public', title: 'Visibility' },
    targetUserId: {
      type: 'string',
      title: "Post to this user's feed",
      description: 'A user, or a variable such as {{record.assignedTo}}',
      'x-weft-ref': 'user',
    },
  },
  required: ['text'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { postId: { type: 'string' } },
  additionalProperties: false,
} as const;

/** X2FlowCreateEvent: a workflow post in the activity feed, about the current record. */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'feed.post',
  title: 'Post to activity feed',
  category: 'Collaboration',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const record = (ctx.record ?? {}) as { module?: unknown; id?: unknown };
    const post = await servicesOf(ctx).feed.post({
      text: input.text,
      type: 'workflow',
      visibility: input.visibility ?? 'public',
      targetUserId: input.targetUserId ?? null,
      module: typeof record.module === 'string' ? record.module : null,
      recordId: typeof record.id === 'string' ? record.id : null,
    });
    return { postId: post.id };
  },
});
