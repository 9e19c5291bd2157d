import { controlNodes } from '../core/control-nodes.ts';
import { createCatalog, type NodeDefinition } from '../core/node-types.ts';
import feedPost from './actions/feed-post.ts';
import notificationCreate from './actions/notification-create.ts';
import recordAssign from './actions/record-assign.ts';
import recordUpdate from './actions/record-update.ts';
import type { TriggerNode } from './define.ts';
import manual from './triggers/manual.ts';
import periodic from './triggers/periodic.ts';
import recordCreated from './triggers/record-created.ts';
import recordDeleted from './triggers/record-deleted.ts';
import recordUpdated from './triggers/record-updated.ts';
import recordViewed from './triggers/record-viewed.ts';
import tagAdded from './triggers/tag-added.ts';
import tagRemoved from './triggers/tag-removed.ts';
import taskCompleted from './triggers/task-completed.ts';
import taskOverdue from './triggers/task-overdue.ts';
import userSignedIn from './triggers/user-signed-in.ts';
import userSignedOut from './triggers/user-signed-out.ts';
import webhook from './triggers/webhook.ts';

/** Every trigger the dispatcher can match. */
export const triggers: readonly TriggerNode[] = [
  recordCreated,
  recordUpdated,
  recordDeleted,
  recordViewed,
  tagAdded,
  tagRemoved,
  taskCompleted,
  taskOverdue,
  userSignedIn,
  userSignedOut,
  periodic,
  webhook,
  manual,
] as TriggerNode[];

/** The node catalogue: control nodes from the core, and one file per trigger and action. */
export const catalog = createCatalog([
  ...controlNodes,
  ...triggers,
  recordUpdate,
  recordAssign,
  feedPost,
  notificationCreate,
] as NodeDefinition[]);
