/** Feed post types as people read them (the API's `type` values are identifiers). */
import type { FeedPostType, NotificationType } from '../../../schemas/feed.ts';

export const postTypeLabels: Record<FeedPostType, string> = {
  post: 'Social post',
  note: 'Note',
  workflow: 'Workflow',
  notification: 'Notification',
  'record-created': 'Record created',
  'record-updated': 'Record updated',
  'record-deleted': 'Record deleted',
  'task-completed': 'Task completed',
  'web-lead': 'Web lead',
  process: 'Process stage',
  comment: 'Comment',
};

export const postTypeLabel = (type: string) => postTypeLabels[type as FeedPostType] ?? type;

const notificationTypeLabels: Record<NotificationType, string> = {
  custom: 'Notification',
  assignment: 'Assigned to you',
  comment: 'Comment',
  'profile-post': 'Post on your feed',
  reminder: 'Reminder',
  workflow: 'Workflow',
  system: 'System',
};

export const notificationTypeLabel = (type: string) =>
  notificationTypeLabels[type as NotificationType] ?? type;
