import { controlNodes } from '../core/control-nodes.ts';
import { createCatalog, type NodeDefinition } from '../core/node-types.ts';
import emailSend from './actions/email-send.ts';
import feedPost from './actions/feed-post.ts';
import httpRequest from './actions/http-request.ts';
import listAdd from './actions/list-add.ts';
import listHasRecord from './actions/list-has-record.ts';
import listRemove from './actions/list-remove.ts';
import notificationCreate from './actions/notification-create.ts';
import recordAssign from './actions/record-assign.ts';
import recordComment from './actions/record-comment.ts';
import recordCreate from './actions/record-create.ts';
import recordDelete from './actions/record-delete.ts';
import recordSwitchRelated from './actions/record-switch-related.ts';
import recordTags from './actions/record-tags.ts';
import recordUpdate from './actions/record-update.ts';
import recordsFind from './actions/records-find.ts';
import taskCreate from './actions/task-create.ts';
import userIsOnline from './actions/user-is-online.ts';
import varsSet from './actions/vars-set.ts';
import type { TriggerNode } from './define.ts';
import emailInbound from './triggers/email-inbound.ts';
import emailOutbound from './triggers/email-outbound.ts';
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
import webformSubmitted from './triggers/webform-submitted.ts';
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
  webformSubmitted,
  emailInbound,
  emailOutbound,
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
  emailSend,
  httpRequest,
  recordCreate,
  recordDelete,
  recordTags,
  taskCreate,
  recordComment,
  varsSet,
  recordSwitchRelated,
  listAdd,
  listRemove,
  listHasRecord,
  userIsOnline,
  recordsFind,
] as NodeDefinition[]);
