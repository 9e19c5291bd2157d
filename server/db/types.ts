import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { EngineTables } from '../../engine/runtime/tables.ts';
import type { DisplayPreferencesPatch } from '../../schemas/display-preferences.ts';
import type { FeedPostType, NotificationType } from '../../schemas/feed.ts';
import type { FormSettings } from '../../schemas/forms.ts';
import type { LinkChoices } from '../../schemas/imports.ts';
import type { LayoutDefinition } from '../../schemas/layout.ts';

/** A timestamp read as a Date and written as a Date or an ISO string; optional on insert when it has a default. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, T | string, T | string>;

export type Scope = 'none' | 'own' | 'groups' | 'all';
export type Action = 'view' | 'create' | 'update' | 'delete';
/** module (or `*` for every module not listed) → action → scope */
export type PermissionMatrix = Record<string, Partial<Record<Action, Scope>>>;

export interface UsersTable {
  id: Generated<string>;
  username: string;
  firstName: string;
  lastName: string;
  email: string | null;
  title: string | null;
  phone: string | null;
  passwordHash: string | null;
  active: Generated<boolean>;
  invisible: Generated<boolean>;
  available: Generated<boolean>;
  createdAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
  lastLoginAt: Timestamp | null;
  /** Set while the user has not accepted their invitation (inactive, no password). */
  invitedAt: Timestamp | null;
  /** How the user reads dates (migration 0027); `{}` follows the workspace. */
  displayPrefs: ColumnType<
    DisplayPreferencesPatch,
    DisplayPreferencesPatch | string | undefined,
    DisplayPreferencesPatch | string
  >;
}

export interface GroupsTable {
  id: Generated<string>;
  name: string;
  description: string | null;
  createdAt: DefaultedTimestamp;
}

export interface GroupMembersTable {
  groupId: string;
  userId: string;
}

export interface RolesTable {
  id: Generated<string>;
  name: string;
  description: string | null;
  isAdmin: Generated<boolean>;
  permissions: Json<PermissionMatrix>;
  createdAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
}

export interface UserRolesTable {
  userId: string;
  roleId: string;
}

export interface SessionsTable {
  /** sha256 of the cookie value: a stolen database does not yield live sessions. */
  id: string;
  userId: string;
  csrfToken: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: DefaultedTimestamp;
  lastSeenAt: DefaultedTimestamp;
}

export interface ApiTokensTable {
  id: Generated<string>;
  userId: string;
  name: string;
  tokenHash: string;
  createdAt: DefaultedTimestamp;
  lastUsedAt: Timestamp | null;
  revokedAt: Timestamp | null;
  /** The token that minted this one, if any: revoking it revokes this one (migration 0019). */
  parentTokenId: Generated<string | null>;
}

export interface UserInvitationsTable {
  id: Generated<string>;
  userId: string;
  /** sha256 of the token in the emailed link. */
  tokenHash: string;
  createdBy: string | null;
  createdAt: DefaultedTimestamp;
  expiresAt: Timestamp;
  acceptedAt: Timestamp | null;
  revokedAt: Timestamp | null;
}

export interface LoginHistoryTable {
  id: Generated<string>;
  at: DefaultedTimestamp;
  username: string;
  userId: string | null;
  success: boolean;
  reason: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface SettingsTable {
  key: string;
  value: Json<unknown>;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: DefaultedTimestamp;
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Json<Record<string, unknown>> | null;
  ip: string | null;
}

export interface DropdownsTable {
  id: Generated<string>;
  name: string;
  options: Json<{ value: string; label: string }[]>;
  multi: Generated<boolean>;
  parentId: string | null;
  dependencies: Json<Record<string, string[]>>;
  createdAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
}

export interface LayoutsTable {
  id: Generated<string>;
  module: string;
  name: string;
  definition: Json<LayoutDefinition>;
  defaultView: Generated<boolean>;
  defaultForm: Generated<boolean>;
  createdAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
}

export type RoutingMode = 'freeForAll' | 'roundRobin' | 'singleUser' | 'customRoundRobin';
export type RoutingRuleKind = 'users' | 'usersInGroups' | 'groups';

export interface RoutingSettingsTable {
  module: string;
  enabled: Generated<boolean>;
  mode: ColumnType<RoutingMode, RoutingMode | undefined, RoutingMode>;
  onlineOnly: Generated<boolean>;
  whenNobodyOnline: ColumnType<'anyAvailable' | 'unassigned', 'anyAvailable' | 'unassigned' | undefined>;
  userIds: ColumnType<string[], string[] | undefined, string[]>;
  singleUserId: string | null;
  updatedAt: DefaultedTimestamp;
}

export interface RoutingRulesTable {
  id: Generated<string>;
  module: string;
  position: number;
  criteria: Json<Record<string, unknown> | boolean>;
  kind: RoutingRuleKind;
  userIds: ColumnType<string[], string[] | undefined, string[]>;
  groupIds: ColumnType<string[], string[] | undefined, string[]>;
}

export interface RoutingCountersTable {
  module: string;
  rotation: string;
  turns: Generated<number>;
  lastAssignee: string | null;
  updatedAt: DefaultedTimestamp;
}

export interface FeedPostsTable {
  id: Generated<string>;
  /** Insertion order, breaking ties between rows of the same millisecond in keyset pages. */
  seq: Generated<number>;
  type: FeedPostType;
  text: string;
  authorId: string | null;
  module: string | null;
  recordId: string | null;
  targetUserId: string | null;
  visibility: Generated<'public' | 'private'>;
  pinned: Generated<boolean>;
  createdAt: DefaultedTimestamp;
  updatedAt: Timestamp | null;
}

export interface FeedCommentsTable {
  id: Generated<string>;
  postId: string;
  authorId: string | null;
  text: string;
  createdAt: DefaultedTimestamp;
}

/** Migration 0020: a user's notification choices; no row means the defaults (both on). */
export interface NotificationPreferencesTable {
  userId: string;
  postToFeed: Generated<boolean>;
  assignments: Generated<boolean>;
  updatedAt: DefaultedTimestamp;
}

export interface NotificationsTable {
  id: Generated<string>;
  seq: Generated<number>;
  userId: string;
  type: NotificationType;
  text: string;
  module: string | null;
  recordId: string | null;
  postId: string | null;
  read: Generated<boolean>;
  createdAt: DefaultedTimestamp;
}

export interface ModulesTable {
  name: string;
  label: string;
  itemName: string;
  custom: boolean;
  searchable: Generated<boolean>;
  editable: Generated<boolean>;
  visible: Generated<boolean>;
  displayFields: ColumnType<string[], string[] | undefined, string[]>;
  version: Generated<number>;
  createdAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
}

export interface ModuleFieldsTable {
  module: string;
  name: string;
  label: string;
  type: string;
  required: boolean;
  unique: boolean;
  searchable: boolean;
  readOnly: boolean;
  defaultValue: Json<unknown>;
  options: Json<Record<string, unknown>>;
  system: boolean;
  position: number;
  createdAt: DefaultedTimestamp;
}

export type ChangelogAction = 'create' | 'update' | 'delete';

export interface ChangelogTable {
  id: Generated<number>;
  module: string;
  recordId: string;
  action: ChangelogAction;
  changes: Json<Record<string, { before: unknown; after: unknown }>>;
  actorId: string | null;
  actorName: string | null;
  at: DefaultedTimestamp;
}

export type EventType =
  | 'record.created'
  | 'record.updated'
  | 'record.deleted'
  | 'record.viewed'
  | 'tag.added'
  | 'tag.removed'
  | 'task.overdue'
  | 'user.signedIn'
  | 'user.signedOut'
  | 'schedule.tick'
  | 'webhook.received'
  | 'process.started'
  | 'process.completed'
  | 'process.stageStarted'
  | 'process.stageCompleted'
  | 'process.stageReverted'
  | 'webform.submitted'
  | 'email.inbound'
  | 'email.outbound'
  // Marketing (server/marketing/tracking.ts): what came back from a mail or the website.
  | 'email.opened'
  | 'email.clicked'
  | 'email.unsubscribed'
  | 'web.activity'
  | 'web.contentRequested';

export interface EventsTable {
  id: Generated<number>;
  type: EventType;
  module: string | null;
  recordId: string | null;
  payload: Json<Record<string, unknown>>;
  actorId: string | null;
  causationId: number | null;
  depth: number | null;
  createdAt: DefaultedTimestamp;
  /** Set by the workflow dispatcher once the event's runs are created. */
  dispatchedAt: Date | string | null;
}

export interface WebhookDeliveriesTable {
  flowId: string;
  deliveryId: string;
  eventId: number | null;
  receivedAt: DefaultedTimestamp;
}

// Connectors
export type WebhookLogStatus = 'accepted' | 'duplicate' | 'refused' | 'replayed';

export interface WebhookLogTable {
  id: Generated<number>;
  flowId: string;
  service: string;
  deliveryId: string | null;
  status: WebhookLogStatus;
  reason: string | null;
  eventId: number | null;
  module: string | null;
  recordId: string | null;
  body: Json<unknown> | null;
  headers: Json<Record<string, string>> | null;
  replayOf: number | null;
  receivedAt: DefaultedTimestamp;
}

export interface WebFormsTable {
  id: Generated<string>;
  name: string;
  kind: 'lead' | 'case';
  settings: Json<FormSettings>;
  stampSecret: string;
  active: Generated<boolean>;
  createdBy: string | null;
  createdAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
}

export interface WebFormSubmissionsTable {
  id: Generated<string>;
  formId: string;
  submissionKey: string;
  values: Json<Record<string, unknown>>;
  ip: string | null;
  origin: string | null;
  status: ColumnType<'received' | 'processed' | 'failed', 'received' | 'processed' | 'failed' | undefined>;
  outcome: string | null;
  module: string | null;
  recordId: string | null;
  contactId: string | null;
  error: string | null;
  eventId: number | null;
  /** The web tracker's visitor (cookie) of the browser that posted (migration 0026). */
  visitorId: ColumnType<string | null, string | null | undefined, string | null>;
  receivedAt: DefaultedTimestamp;
  processedAt: Timestamp | null;
}

export interface HookSubscriptionsTable {
  id: Generated<string>;
  name: string;
  url: string;
  events: Json<string[]>;
  secret: string;
  active: Generated<boolean>;
  maxFailures: Generated<number>;
  consecutiveFailures: Generated<number>;
  disabledReason: string | null;
  createdBy: string | null;
  createdAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
}

export type HookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'gone' | 'cancelled';

export interface HookDeliveriesTable {
  id: Generated<string>;
  subscriptionId: string;
  eventId: number;
  eventType: string;
  status: ColumnType<HookDeliveryStatus, HookDeliveryStatus | undefined>;
  attempts: Generated<number>;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: DefaultedTimestamp;
  finishedAt: Timestamp | null;
}

export interface MailboxesTable {
  id: Generated<string>;
  name: string;
  host: string;
  port: number;
  tls: boolean;
  username: string;
  passwordEncrypted: string;
  folder: Generated<string>;
  purpose: ColumnType<'dropbox' | 'support', 'dropbox' | 'support' | undefined>;
  pollSeconds: Generated<number>;
  active: Generated<boolean>;
  uidValidity: number | null;
  lastUid: Generated<number>;
  lastPolledAt: Timestamp | null;
  lastError: string | null;
  createdAt: DefaultedTimestamp;
}

export interface EmailAttachment {
  filename: string | null;
  contentType: string;
  size: number;
}

export interface InboundMessagesTable {
  id: Generated<string>;
  source: string;
  mailboxId: string | null;
  uidValidity: number | null;
  uid: number | null;
  messageId: string;
  fromAddress: string | null;
  toAddresses: Json<string[]> | null;
  ccAddresses: Json<string[]> | null;
  subject: string | null;
  body: string | null;
  attachments: Json<EmailAttachment[]> | null;
  size: number;
  status: 'captured' | 'ignored' | 'malformed';
  parseError: string | null;
  raw: Buffer | null;
  outcome: Json<Record<string, unknown>> | null;
  receivedAt: DefaultedTimestamp;
}

export interface RecordEmailsTable {
  id: Generated<string>;
  module: string;
  recordId: string;
  direction: 'inbound' | 'outbound';
  messageId: string | null;
  fromAddress: string | null;
  toAddresses: Json<string[]> | null;
  subject: string | null;
  body: string | null;
  attachments: Json<EmailAttachment[]> | null;
  inboundMessageId: string | null;
  at: DefaultedTimestamp;
}

export interface InboundMailSettingsTable {
  id: number;
  settings: Json<Record<string, unknown>>;
}

export interface RateLimitsTable {
  key: string;
  windowStart: Timestamp;
  hits: number;
}

export interface TaskOverdueMarksTable {
  flowId: string;
  taskId: string;
  thresholdSeconds: number;
  eventId: number;
  createdAt: DefaultedTimestamp;
}

export interface ListsTable {
  id: Generated<string>;
  module: string;
  name: string;
  kind: 'static' | 'dynamic';
  criteria: Json<unknown> | null;
  ownerId: string | null;
  visibility: ColumnType<'public' | 'private', 'public' | 'private' | undefined>;
  createdAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
}

export interface ListMembersTable {
  listId: string;
  recordId: string;
  addedAt: DefaultedTimestamp;
}

export interface RecordViewsTable {
  id: Generated<number>;
  module: string;
  recordId: string;
  userId: string | null;
  viewedAt: DefaultedTimestamp;
}

export type ImportMode = 'create' | 'update' | 'skip';
export type ImportStatus = 'queued' | 'running' | 'done' | 'failed' | 'rolledBack';

export interface ImportsTable {
  id: Generated<string>;
  module: string;
  fileName: string;
  format: 'csv' | 'xlsx';
  mode: ImportMode;
  keyField: string | null;
  mapping: Json<Record<string, string | null>>;
  route: Generated<boolean>;
  tags: Generated<string[]>;
  status: Generated<ImportStatus>;
  data: Buffer | null;
  total: number | null;
  processed: Generated<number>;
  doneBatches: Generated<number[]>;
  created: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
  skipped: Generated<number>;
  failed: Generated<number>;
  error: string | null;
  createdBy: string | null;
  createdAt: DefaultedTimestamp;
  startedAt: Timestamp | null;
  finishedAt: Timestamp | null;
  rolledBackAt: Timestamp | null;
  /** What to do with link names matching none or several records (migration 0027). */
  linkChoices: ColumnType<LinkChoices, LinkChoices | string | undefined, LinkChoices | string>;
  /** Whether the module's record flows run for the imported records (migration 0027). */
  runFlows: Generated<boolean>;
  /** The import this one retries (its failed rows, or the whole file of one that stopped). */
  retryOf: string | null;
}

export interface ImportErrorsTable {
  id: Generated<string>;
  importId: string;
  row: number;
  field: string | null;
  reason: string;
}

export interface ImportRecordsTable {
  importId: string;
  recordId: string;
  action: 'created' | 'updated';
}

export interface EmailOutboxTable {
  id: Generated<string>;
  messageId: string;
  idempotencyKey: string | null;
  fromAddress: string;
  to: string[];
  cc: ColumnType<string[], string[] | undefined, string[]>;
  bcc: ColumnType<string[], string[] | undefined, string[]>;
  subject: string;
  text: string | null;
  html: string | null;
  status: 'stored' | 'queued' | 'sent' | 'failed';
  attempts: Generated<number>;
  lastError: string | null;
  smtpResponse: string | null;
  module: string | null;
  recordId: string | null;
  runId: string | null;
  createdAt: DefaultedTimestamp;
  sentAt: Timestamp | null;
  /** The sending account (null: the system SMTP settings), migration 0026. */
  accountId: ColumnType<string | null, string | null | undefined, string | null>;
  /** Extra headers (List-Unsubscribe…), migration 0026. */
  headers: ColumnType<Record<string, string> | null, string | null | undefined, string | null>;
}

export interface FlowImportProblemsTable {
  flowId: string;
  kind: 'steps' | 'trigger';
  message: string;
  createdAt: DefaultedTimestamp;
}

export type FieldAccess = 'hidden' | 'readOnly';

export interface RoleFieldPermissionsTable {
  roleId: string;
  module: string;
  field: string;
  access: FieldAccess;
}

export interface MergeMoved {
  feedPosts: Array<{ id: string; from: string }>;
  /** `added`: the survivor joined the list through the merge (it was not on it). */
  listMembers: Array<{ listId: string; from: string; added: boolean }>;
  /** Link fields of other records that pointed at a merged record. */
  links: Array<{ module: string; field: string; recordId: string; from: string }>;
  /** Process progress moved to the survivor (absent in logs written before it moved). */
  processes?: Array<{ processId: string; from: string }>;
}

export interface MergeLogTable {
  id: Generated<string>;
  module: string;
  survivorId: string;
  mergedIds: string[];
  mergedRows: Json<Record<string, unknown>[]>;
  survivorBefore: Json<Record<string, unknown>>;
  moved: Json<MergeMoved>;
  createdBy: string | null;
  createdAt: DefaultedTimestamp;
  revertedAt: Timestamp | null;
}

export interface BrandingLogoTable {
  id: number;
  contentType: string;
  data: Buffer;
  updatedAt: DefaultedTimestamp;
}

// Marketing (migration 0023, server/marketing/).
export type MessageState =
  | 'queued'
  | 'sending'
  | 'sent'
  | 'failed'
  | 'bounced'
  | 'opened'
  | 'clicked'
  | 'unsubscribed';

export interface LaunchSummary {
  queued: number;
  doNotEmail: number;
  unsubscribed: number;
  noAddress: number;
}

export interface MarketingTables {
  marketingKeys: { id: number; signingKey: Buffer; createdAt: DefaultedTimestamp };
  emailTemplates: {
    id: Generated<string>;
    name: string;
    category: string | null;
    module: Generated<string>;
    subject: string;
    html: string | null;
    text: string | null;
    createdBy: string | null;
    createdAt: DefaultedTimestamp;
    updatedAt: DefaultedTimestamp;
  };
  emailAccounts: {
    id: Generated<string>;
    ownerId: string | null;
    name: string;
    fromAddress: string;
    fromName: string | null;
    host: string;
    port: number;
    security: 'none' | 'starttls' | 'tls';
    username: string | null;
    passwordCipher: string | null;
    signature: string | null;
    createdAt: DefaultedTimestamp;
    updatedAt: DefaultedTimestamp;
  };
  newsletters: {
    id: Generated<string>;
    name: string;
    category: string | null;
    createdAt: DefaultedTimestamp;
  };
  newsletterSubscribers: {
    newsletterId: string;
    address: string;
    name: string | null;
    module: string | null;
    recordId: string | null;
    createdAt: DefaultedTimestamp;
    unsubscribedAt: Timestamp | null;
  };
  campaigns: {
    id: Generated<string>;
    name: string;
    listId: string | null;
    newsletterId: string | null;
    templateId: string;
    accountId: string | null;
    status: ColumnType<
      'draft' | 'scheduled' | 'running' | 'paused' | 'done' | 'cancelled',
      'draft' | 'scheduled' | 'running' | 'paused' | 'done' | 'cancelled' | undefined
    >;
    scheduledAt: Timestamp | null;
    launchedAt: Timestamp | null;
    finishedAt: Timestamp | null;
    batch: Generated<number>;
    summary: Json<LaunchSummary> | null;
    createdBy: string | null;
    createdAt: DefaultedTimestamp;
  };
  marketingMessages: {
    id: Generated<string>;
    campaignId: string | null;
    newsletterId: string | null;
    templateId: string | null;
    category: string | null;
    module: string | null;
    recordId: string | null;
    address: string;
    name: string | null;
    state: ColumnType<MessageState, MessageState | undefined>;
    links: Json<string[]>;
    messageId: string | null;
    subject: string | null;
    lastError: string | null;
    createdAt: DefaultedTimestamp;
    batch: number | null;
    attemptedAt: Timestamp | null;
    sentAt: Timestamp | null;
    openedAt: Timestamp | null;
    clickedAt: Timestamp | null;
    unsubscribedAt: Timestamp | null;
    bouncedAt: Timestamp | null;
  };
  marketingEvents: {
    id: Generated<number>;
    messageId: string;
    campaignId: string | null;
    kind: 'open' | 'click' | 'unsubscribe' | 'bounce';
    url: string | null;
    at: DefaultedTimestamp;
  };
  emailUnsubscribes: { address: string; category: string; createdAt: DefaultedTimestamp };
  emailBounces: {
    address: string;
    hard: Generated<number>;
    soft: Generated<number>;
    lastAt: DefaultedTimestamp;
    lastReason: string | null;
  };
  webVisitors: {
    id: string;
    module: string | null;
    recordId: string | null;
    campaignId: string | null;
    createdAt: DefaultedTimestamp;
    seenAt: DefaultedTimestamp;
  };
  webActivity: {
    id: Generated<number>;
    visitorId: string;
    module: string | null;
    recordId: string | null;
    campaignId: string | null;
    url: string;
    referrer: string | null;
    at: DefaultedTimestamp;
  };
  webContentRequests: {
    id: Generated<string>;
    visitorId: string | null;
    module: string | null;
    recordId: string | null;
    url: string | null;
    content: string | null;
    answeredAt: Timestamp | null;
    createdAt: DefaultedTimestamp;
  };
  smsMessages: {
    id: Generated<string>;
    module: string | null;
    recordId: string | null;
    toNumber: string;
    body: string;
    providerId: string | null;
    status: string;
    error: string | null;
    idempotencyKey: string | null;
    createdAt: DefaultedTimestamp;
    updatedAt: DefaultedTimestamp;
  };
}

export interface Database extends EngineTables, MarketingTables {
  users: UsersTable;
  groups: GroupsTable;
  groupMembers: GroupMembersTable;
  roles: RolesTable;
  userRoles: UserRolesTable;
  sessions: SessionsTable;
  apiTokens: ApiTokensTable;
  userInvitations: UserInvitationsTable;
  loginHistory: LoginHistoryTable;
  settings: SettingsTable;
  auditLog: AuditLogTable;
  modules: ModulesTable;
  moduleFields: ModuleFieldsTable;
  changelog: ChangelogTable;
  events: EventsTable;
  recordViews: RecordViewsTable;
  lists: ListsTable;
  listMembers: ListMembersTable;
  feedPosts: FeedPostsTable;
  feedComments: FeedCommentsTable;
  notifications: NotificationsTable;
  routingSettings: RoutingSettingsTable;
  routingRules: RoutingRulesTable;
  routingCounters: RoutingCountersTable;
  dropdowns: DropdownsTable;
  layouts: LayoutsTable;
  imports: ImportsTable;
  importErrors: ImportErrorsTable;
  importRecords: ImportRecordsTable;
  emailOutbox: EmailOutboxTable;
  webhookDeliveries: WebhookDeliveriesTable;
  taskOverdueMarks: TaskOverdueMarksTable;
  processes: ProcessesTable;
  processProgress: ProcessProgressTable;
  processStageStates: ProcessStageStatesTable;
  notificationPreferences: NotificationPreferencesTable;
  // Connectors
  webhookLog: WebhookLogTable;
  webForms: WebFormsTable;
  webFormSubmissions: WebFormSubmissionsTable;
  rateLimits: RateLimitsTable;
  hookSubscriptions: HookSubscriptionsTable;
  hookDeliveries: HookDeliveriesTable;
  mailboxes: MailboxesTable;
  inboundMessages: InboundMessagesTable;
  recordEmails: RecordEmailsTable;
  inboundMailSettings: InboundMailSettingsTable;
  // Parity
  flowImportProblems: FlowImportProblemsTable;
  roleFieldPermissions: RoleFieldPermissionsTable;
  mergeLog: MergeLogTable;
  brandingLogo: BrandingLogoTable;
}

/** A process definition; `stages` is the ordered list of schemas/processes.ts's stage shape. */
export interface ProcessesTable {
  id: Generated<string>;
  name: string;
  description: string | null;
  modules: string[];
  defaultFor: Generated<string[]>;
  color: string | null;
  financialModule: string | null;
  financialField: string | null;
  stages: Json<unknown[]>;
  createdBy: string | null;
  createdAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
}

/** A record's progress: the process machine's persisted snapshot (engine/core/process-machine.ts). */
export interface ProcessProgressTable {
  processId: string;
  module: string;
  recordId: string;
  snapshot: Json<Record<string, unknown>> | null;
  currentStage: string | null;
  startedAt: DefaultedTimestamp;
  updatedAt: DefaultedTimestamp;
}

/** One started or completed stage of a record, derived from the snapshot in its transaction. */
export interface ProcessStageStatesTable {
  processId: string;
  stageId: string;
  module: string;
  recordId: string;
  status: 'started' | 'completed';
  startedAt: Timestamp;
  startedBy: string | null;
  completedAt: Timestamp | null;
  completedBy: string | null;
  comment: string | null;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Role = Selectable<RolesTable>;
export type Group = Selectable<GroupsTable>;
