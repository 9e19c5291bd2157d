import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';

const params = {
  type: 'object',
  properties: {
    text: { type: 'string', minLength: 1, maxLength: 5000, title: 'Text' },
    type: {
      type: 'string',
      title: 'Post type',
      default: 'workflow',
      enum: ['workflow', 'post', 'note'],
      'x-weft-choices': ['Workflow post', 'Social post', 'Note'],
    },
    visibility: {
      type: 'string',
      enum: ['public', 'private'],
      default: 'public',
      title: 'Visibility',
      'x-weft-choices': ['Public', 'Private: the author, the user whose feed it is on, and administrators'],
    },
    author: {
      type: 'string',
      title: 'Author',
      default: 'flow',
      enum: ['flow', 'owner', 'assignee', 'user'],
      'x-weft-choices': [
        'The flow (no person)',
        "The flow's owner",
        "The record's assignee",
        'A chosen user',
      ],
    },
    authorUserId: {
      type: 'string',
      title: 'Author user',
      description: 'With author "A chosen user": a user, or a variable such as {{record.assignedTo}}',
      'x-weft-ref': 'user',
    },
    feed: {
      type: 'string',
      title: 'Whose feed',
      description: 'Where the post appears besides the main feed',
      enum: ['none', 'assignee', 'user'],
      'x-weft-choices': ['The main feed only', "The record's assignee's feed", "A chosen user's feed"],
    },
    targetUserId: {
      type: 'string',
      title: "Post to this user's feed",
      description: 'With "A chosen user\'s feed": a user, or a variable such as {{record.assignedTo}}',
      'x-weft-ref': 'user',
    },
    notify: {
      type: 'boolean',
      default: false,
      title: 'Notify the user whose feed it is on',
    },
  },
  required: ['text'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    postId: { type: 'string' },
    authorId: { type: ['string', 'null'] },
    targetUserId: { type: ['string', 'null'] },
  },
  additionalProperties: false,
} as const;

/**
 * X2FlowCreateEvent: a post in the activity feed about the current record: its type, who
 * wrote it (the flow itself, the flow's owner, the record's assignee or a chosen user), whose
 * feed it is on, and whether that user is notified. An assignee that is a group (or none)
 * is nobody: the flow writes the post, on the main feed.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'feed.post',
  title: 'Post to activity feed',
  category: 'Collaboration',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const record = (ctx.record ?? {}) as { module?: unknown; id?: unknown; assignedTo?: unknown };
    const assignee = typeof record.assignedTo === 'string' ? record.assignedTo : null;
    const author =
      input.author === 'owner'
        ? 'owner'
        : input.author === 'assignee'
          ? assignee
          : input.author === 'user'
            ? (input.authorUserId ?? null)
            : null;
    // Flows saved before "whose feed" existed name only targetUserId.
    const feed = input.feed ?? (input.targetUserId ? 'user' : 'none');
    const target = feed === 'assignee' ? assignee : feed === 'user' ? (input.targetUserId ?? null) : null;
    const post = await servicesOf(ctx).feed.post({
      text: input.text,
      type: input.type ?? 'workflow',
      visibility: input.visibility ?? 'public',
      authorId: author,
      targetUserId: target,
      notifyTarget: input.notify === true,
      orNobody: [
        ...(input.author === 'assignee' ? (['authorId'] as const) : []),
        ...(feed === 'assignee' ? (['targetUserId'] as const) : []),
      ],
      module: typeof record.module === 'string' ? record.module : null,
      recordId: typeof record.id === 'string' ? record.id : null,
    });
    return { postId: post.id, authorId: post.authorId, targetUserId: post.targetUserId };
  },
});
