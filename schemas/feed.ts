import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { listQuery, uuid } from './common.ts';
import { moduleName } from './modules.ts';

/** Request and response shapes of the activity feed and of notifications. */

/**
 * What a feed post is about. People post `post`; the others are written by Weft itself
 * (flows, the notification copy, record and task events, web leads).
 */
export const feedPostTypes = [
  'post',
  // A note (X2CRM's "Note" post type): a post by hand or by a flow that reads as a remark.
  'note',
  'workflow',
  'notification',
  'record-created',
  'record-updated',
  'record-deleted',
  'task-completed',
  'web-lead',
  // A flow's comment on a record (X2CRM's X2FlowRecordComment).
  'comment',
  // A process stage started, completed or reverted on a record.
  'process',
] as const;
export type FeedPostType = (typeof feedPostTypes)[number];

/**
 * The posts Weft writes by itself when something happens; each can be switched off by an
 * administrator (setting `feedSystemPosts`). `notification` is the copy of a notification
 * on its recipient's feed (each user may also turn that off for themselves).
 */
export const systemPostTypes = [
  'record-created',
  'record-updated',
  'record-deleted',
  'task-completed',
  'web-lead',
  // A process stage started, completed or reverted (server/processes).
  'process',
  'notification',
] as const satisfies readonly FeedPostType[];
export type SystemPostType = (typeof systemPostTypes)[number];

export const notificationTypes = [
  'custom',
  'assignment',
  'comment',
  'profile-post',
  'reminder',
  'workflow',
  'system',
] as const;
export type NotificationType = (typeof notificationTypes)[number];

const nullableUuid = { type: ['string', 'null'], format: 'uuid' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const postType = { type: 'string', enum: feedPostTypes } as const;
const visibility = {
  type: 'string',
  enum: ['public', 'private'],
  description: 'private: seen only by the author, the user whose feed it is on, and administrators',
} as const;

export const postText = { type: 'string', minLength: 1, maxLength: 10_000 } as const;
export const commentText = { type: 'string', minLength: 1, maxLength: 5_000 } as const;

export const feedPostBody = {
  type: 'object',
  properties: {
    text: postText,
    module: { ...moduleName, description: 'With recordId: the record the post is about' },
    recordId: uuid,
    targetUserId: { ...uuid, description: "Post on this user's feed (their profile)" },
    visibility,
  },
  required: ['text'],
  dependencies: { module: ['recordId'], recordId: ['module'] },
  additionalProperties: false,
} as const;

export const feedPostPatchBody = {
  type: 'object',
  properties: { text: postText, visibility },
  additionalProperties: false,
  minProperties: 1,
} as const;

export const commentBody = {
  type: 'object',
  properties: { text: commentText },
  required: ['text'],
  additionalProperties: false,
} as const;

export const feedListQuery = {
  type: 'object',
  properties: {
    ...listQuery.properties,
    authorIds: { type: 'array', items: uuid, maxItems: 100, description: 'Repeat the parameter for several' },
    types: { type: 'array', items: postType, maxItems: feedPostTypes.length },
    module: moduleName,
    recordId: uuid,
    targetUserId: uuid,
    userId: {
      ...uuid,
      description: "A user's own feed (their profile): posts they wrote or that are on their feed",
    },
    from: { type: 'string', format: 'date-time', description: 'Posts created at or after this time' },
    to: { type: 'string', format: 'date-time', description: 'Posts created before this time' },
  },
  dependencies: { recordId: ['module'] },
  additionalProperties: false,
} as const;

export const commentParams = {
  type: 'object',
  properties: { id: uuid, commentId: uuid },
  required: ['id', 'commentId'],
  additionalProperties: false,
} as const;

export const commentResponse = {
  type: 'object',
  properties: {
    id: uuid,
    postId: uuid,
    authorId: nullableUuid,
    authorName: { type: ['string', 'null'] },
    text: { type: 'string' },
    createdAt: dateTime,
  },
  required: ['id', 'postId', 'authorId', 'authorName', 'text', 'createdAt'],
  additionalProperties: false,
} as const;

const feedPostProperties = {
  id: uuid,
  type: postType,
  text: { type: 'string' },
  authorId: { ...nullableUuid, description: 'null when Weft itself (a flow, a notification) posted' },
  authorName: { type: ['string', 'null'] },
  module: { type: ['string', 'null'] },
  recordId: nullableUuid,
  targetUserId: nullableUuid,
  visibility,
  pinned: { type: 'boolean' },
  commentCount: { type: 'integer' },
  createdAt: dateTime,
  updatedAt: { type: ['string', 'null'], format: 'date-time' },
} as const;
const feedPostRequired = [
  'id',
  'type',
  'text',
  'authorId',
  'authorName',
  'module',
  'recordId',
  'targetUserId',
  'visibility',
  'pinned',
  'commentCount',
  'createdAt',
  'updatedAt',
] as const;

export const feedPostResponse = {
  type: 'object',
  properties: feedPostProperties,
  required: feedPostRequired,
  additionalProperties: false,
} as const;

export const feedPostDetailResponse = {
  type: 'object',
  properties: { ...feedPostProperties, comments: { type: 'array', items: commentResponse } },
  required: [...feedPostRequired, 'comments'],
  additionalProperties: false,
} as const;

export const notificationListQuery = {
  type: 'object',
  properties: {
    limit: listQuery.properties.limit,
    cursor: listQuery.properties.cursor,
    unread: { type: 'boolean', description: 'true: only the unread ones' },
  },
  additionalProperties: false,
} as const;

export const notificationResponse = {
  type: 'object',
  properties: {
    id: uuid,
    type: { type: 'string', enum: notificationTypes },
    text: { type: 'string' },
    module: { type: ['string', 'null'] },
    recordId: nullableUuid,
    postId: nullableUuid,
    read: { type: 'boolean' },
    createdAt: dateTime,
  },
  required: ['id', 'type', 'text', 'module', 'recordId', 'postId', 'read', 'createdAt'],
  additionalProperties: false,
} as const;

export const notificationPreferencesResponse = {
  type: 'object',
  properties: {
    postToFeed: { type: 'boolean', description: 'Copy my notifications to my activity feed (privately)' },
    assignments: { type: 'boolean', description: 'Notify me when a record is assigned to me' },
  },
  required: ['postToFeed', 'assignments'],
  additionalProperties: false,
} as const;

export const notificationPreferencesBody = {
  type: 'object',
  properties: notificationPreferencesResponse.properties,
  additionalProperties: false,
  minProperties: 1,
} as const;

export const unreadCountResponse = {
  type: 'object',
  properties: { unreadCount: { type: 'integer' } },
  required: ['unreadCount'],
  additionalProperties: false,
} as const;

type WithDates<S extends JSONSchema> = FromSchema<
  S,
  { deserialize: [{ pattern: { type: 'string'; format: 'date-time' }; output: Date }] }
>;
/** Feed and notification rows as services hold them: timestamps are Dates until serialized. */
export type FeedPostView = WithDates<typeof feedPostResponse>;
export type CommentView = WithDates<typeof commentResponse>;
export type NotificationView = WithDates<typeof notificationResponse>;
