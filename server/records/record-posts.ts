import type { SystemPostType } from '../../schemas/feed.ts';
import type { ModuleDefinition } from '../studio/modules.ts';
import type { Changes } from './changelog.ts';

/**
 * The activity-feed post a record write leaves (issue 20: the feed tells the story without
 * anyone posting by hand). Written by `writeChangeAndEvent` in the write's own statement,
 * so it costs no round trip; whether each type is written is the `feedSystemPosts`
 * setting, read by that statement (no cache to go stale).
 */
export interface RecordPost {
  type: Extract<SystemPostType, 'record-created' | 'record-updated' | 'record-deleted' | 'task-completed'>;
  text: string;
  /** A deleted record's post is private to its author, the record's assignee and administrators. */
  visibility: 'public' | 'private';
  /** Whose feed it is on (a deleted record's assignee; the statement drops an id that names no user). */
  targetUserId: string | null;
  /** Null for a deleted record: the post outlives it and cannot be about it. */
  aboutRecord: boolean;
}

type Values = Record<string, unknown>;

const mostFieldsNamed = 5;

/** A record's name as links show it (its module's display fields), or '' when they are empty. */
export function recordName(module: ModuleDefinition, record: Values): string {
  return module.displayFields
    .map((name) => record[name])
    .filter((value) => value !== null && value !== undefined && value !== '')
    .map(String)
    .join(' ')
    .trim();
}

const named = (module: ModuleDefinition, record: Values) => {
  const name = recordName(module, record);
  return name ? `${module.itemName} “${name.slice(0, 200)}”` : module.itemName;
};

/** Field labels of what changed, the first few, in the module's order. */
function changedLabels(module: ModuleDefinition, changes: Changes): string {
  const labels = module.fields
    .filter((field) => field.name in changes && field.name !== 'updatedAt')
    .map((field) => field.label);
  if (labels.length <= mostFieldsNamed) return labels.join(', ');
  return `${labels.slice(0, mostFieldsNamed).join(', ')} and ${labels.length - mostFieldsNamed} more`;
}

export function createdPost(module: ModuleDefinition, record: Values): RecordPost {
  return {
    type: 'record-created',
    text: `${named(module, record)} created`,
    visibility: 'public',
    targetUserId: null,
    aboutRecord: true,
  };
}

/** Null when nothing a person would call a change happened. A task turned complete is `task-completed`. */
export function updatedPost(module: ModuleDefinition, after: Values, changes: Changes): RecordPost | null {
  const fields = changedLabels(module, changes);
  if (!fields) return null;
  const completed = module.name === 'tasks' && changes.complete !== undefined && after.complete === true;
  return completed
    ? {
        type: 'task-completed',
        text: `${named(module, after)} completed`,
        visibility: 'public',
        targetUserId: null,
        aboutRecord: true,
      }
    : {
        type: 'record-updated',
        text: `${named(module, after)} updated: ${fields}`,
        visibility: 'public',
        targetUserId: null,
        aboutRecord: true,
      };
}

export function deletedPost(module: ModuleDefinition, before: Values): RecordPost {
  // A group id here names no user: the statement keeps only a user's id.
  const assignee = typeof before.assignedTo === 'string' ? before.assignedTo : null;
  return {
    type: 'record-deleted',
    text: `${named(module, before)} deleted`,
    visibility: 'private',
    targetUserId: assignee,
    aboutRecord: false,
  };
}
