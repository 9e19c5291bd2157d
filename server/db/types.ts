import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { EngineTables } from '../../engine/runtime/tables.ts';
import type { FeedPostType, NotificationType } from '../../schemas/feed.ts';
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
  | 'webhook.received';

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

export interface Database extends EngineTables {
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
  flowImportProblems: FlowImportProblemsTable;
  roleFieldPermissions: RoleFieldPermissionsTable;
  mergeLog: MergeLogTable;
  brandingLogo: BrandingLogoTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type Role = Selectable<RolesTable>;
export type Group = Selectable<GroupsTable>;
