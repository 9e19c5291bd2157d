import { controlNodes } from '../core/control-nodes.ts';
import { createCatalog, type NodeDefinition } from '../core/node-types.ts';
import campaignLaunch from './actions/campaign-launch.ts';
import codeRun from './actions/code-run.ts';
import emailOpenedCheck from './actions/email-opened-check.ts';
import emailSend from './actions/email-send.ts';
import feedPost from './actions/feed-post.ts';
import httpRequest from './actions/http-request.ts';
import listAdd from './actions/list-add.ts';
import listHasRecord from './actions/list-has-record.ts';
import listRemove from './actions/list-remove.ts';
import newsletterAdd from './actions/newsletter-add.ts';
import notificationCreate from './actions/notification-create.ts';
import processCompleteStage from './actions/process-complete-stage.ts';
import processEnd from './actions/process-end.ts';
import processRevertStage from './actions/process-revert-stage.ts';
import processStartStage from './actions/process-start-stage.ts';
import recordAssign from './actions/record-assign.ts';
import recordComment from './actions/record-comment.ts';
import recordCreate from './actions/record-create.ts';
import recordDelete from './actions/record-delete.ts';
import recordSwitchRelated from './actions/record-switch-related.ts';
import recordTags from './actions/record-tags.ts';
import recordUpdate from './actions/record-update.ts';
import recordsFind from './actions/records-find.ts';
import smsSend from './actions/sms-send.ts';
import taskCreate from './actions/task-create.ts';
import userIsOnline from './actions/user-is-online.ts';
import varsSet from './actions/vars-set.ts';
import webContentPush from './actions/web-content-push.ts';
import type { TriggerNode } from './define.ts';
import campaignEmailClicked from './triggers/campaign-email-clicked.ts';
import campaignEmailOpened from './triggers/campaign-email-opened.ts';
import campaignUnsubscribed from './triggers/campaign-unsubscribed.ts';
import campaignWebActivity from './triggers/campaign-web-activity.ts';
import emailInbound from './triggers/email-inbound.ts';
import emailOpened from './triggers/email-opened.ts';
import emailOutbound from './triggers/email-outbound.ts';
import macro from './triggers/macro.ts';
import manual from './triggers/manual.ts';
import newsletterEmailClicked from './triggers/newsletter-email-clicked.ts';
import newsletterUnsubscribed from './triggers/newsletter-unsubscribed.ts';
import periodic from './triggers/periodic.ts';
import processCompleted from './triggers/process-completed.ts';
import processStarted from './triggers/process-started.ts';
import recordCreated from './triggers/record-created.ts';
import recordDeleted from './triggers/record-deleted.ts';
import recordUpdated from './triggers/record-updated.ts';
import recordViewed from './triggers/record-viewed.ts';
import stageCompleted from './triggers/stage-completed.ts';
import stageReverted from './triggers/stage-reverted.ts';
import stageStarted from './triggers/stage-started.ts';
import tagAdded from './triggers/tag-added.ts';
import tagRemoved from './triggers/tag-removed.ts';
import targetedContent from './triggers/targeted-content.ts';
import taskCompleted from './triggers/task-completed.ts';
import taskOverdue from './triggers/task-overdue.ts';
import taskUncompleted from './triggers/task-uncompleted.ts';
import userSignedIn from './triggers/user-signed-in.ts';
import userSignedOut from './triggers/user-signed-out.ts';
import webActivity from './triggers/web-activity.ts';
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
  taskUncompleted,
  userSignedIn,
  userSignedOut,
  periodic,
  webhook,
  webformSubmitted,
  emailInbound,
  emailOutbound,
  manual,
  processStarted,
  processCompleted,
  stageStarted,
  stageCompleted,
  stageReverted,
  macro,
  // Marketing
  emailOpened,
  campaignEmailOpened,
  campaignEmailClicked,
  campaignUnsubscribed,
  newsletterEmailClicked,
  newsletterUnsubscribed,
  webActivity,
  campaignWebActivity,
  targetedContent,
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
  processStartStage,
  processCompleteStage,
  processRevertStage,
  processEnd,
  codeRun,
  // Marketing
  newsletterAdd,
  campaignLaunch,
  emailOpenedCheck,
  smsSend,
  webContentPush,
] as NodeDefinition[]);
