import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';

const params = {
  type: 'object',
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 10_000, title: 'Comment' },
    authorId: {
      type: ['string', 'null'],
      title: 'Author',
      description: 'A user id the comment is from (may be a template); empty: the flow itself',
    },
    visibility: { type: 'string', enum: ['public', 'private'], default: 'public', title: 'Visibility' },
  },
  required: ['text'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { postId: { type: 'string' } },
  additionalProperties: false,
} as const;

/**
 * X2FlowRecordComment. X2CRM stores a comment as a completed "action" of type note; Weft
 * stores it as a feed post of type `comment` on the record, where the record's discussion
 * lives (thread, visibility, per-type retention), rather than as a task: a completed task
 * would appear in task lists and fire task triggers for something nobody has to do.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'record.comment',
  title: 'Comment on record',
  category: 'Collaboration',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const { module, id } = currentRecord(ctx.record);
    const post = await servicesOf(ctx).feed.post({
      type: 'comment',
      text: input.text,
      authorId: input.authorId || null,
      visibility: input.visibility ?? 'public',
      module,
      recordId: id,
    });
    return { postId: post.id };
  },
});
