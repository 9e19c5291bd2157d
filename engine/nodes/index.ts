import { controlNodes } from '../core/control-nodes.ts';
import { createCatalog, type NodeDefinition } from '../core/node-types.ts';
import feedPost from './actions/feed-post.ts';
import notificationCreate from './actions/notification-create.ts';
import recordAssign from './actions/record-assign.ts';
import recordUpdate from './actions/record-update.ts';
import type { TriggerNode } from './define.ts';
import manual from './triggers/manual.ts';
import recordCreated from './triggers/record-created.ts';
import recordDeleted from './triggers/record-deleted.ts';
import recordUpdated from './triggers/record-updated.ts';

/** Every trigger the dispatcher can match. */
export const triggers: readonly TriggerNode[] = [
  recordCreated,
  recordUpdated,
  recordDeleted,
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
