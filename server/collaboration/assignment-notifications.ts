import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { recordName } from '../records/record-posts.ts';
import { findModule } from '../studio/modules.ts';
import { notify } from './notifications.ts';

/**
 * "A record was assigned to you" (issue 16): read from the events outbox, so that every
 * way a record changes hands — a person's edit, an import, lead routing, a flow, a bulk
 * transfer — notifies the new assignee the same way, once per event (the dispatcher's batch
 * commits the notifications with the events it marks dispatched). Nobody is notified of
 * what they did themselves, a group assignee is not a person to notify, and a user may
 * mute these (notification preferences).
 */

export interface OutboxEvent {
  type: string;
  module: string | null;
  recordId: string | null;
  payload: Record<string, unknown>;
  actorId: string | null;
}

interface Assignment {
  userId: string;
  module: string;
  recordId: string;
  record: Record<string, unknown>;
}

/** More than this many records of one module to one user in one batch (an import) make one notification. */
const summariseAbove = 3;

/** The assignments a batch of events makes: a new record's assignee, or a changed assignee. */
export function assignmentsIn(events: readonly OutboxEvent[]): Assignment[] {
  const found: Assignment[] = [];
  for (const event of events) {
    if (event.type !== 'record.created' && event.type !== 'record.updated') continue;
    if (!event.module || !event.recordId) continue;
    const record = (event.payload.record ?? {}) as Record<string, unknown>;
    const assignee = record.assignedTo;
    if (typeof assignee !== 'string' || assignee === event.actorId) continue;
    if (event.type === 'record.updated') {
      const changed = Array.isArray(event.payload.changed) ? event.payload.changed : [];
      if (!changed.includes('assignedTo')) continue;
    }
    found.push({ userId: assignee, module: event.module, recordId: event.recordId, record });
  }
  return found;
}

/** Notifies the assignees of a batch of outbox events, inside the caller's (dispatcher's) transaction. */
export async function notifyAssignments(trx: Db, events: readonly OutboxEvent[]): Promise<number> {
  const assignments = assignmentsIn(events);
  if (assignments.length === 0) return 0;
  // Active users who did not mute assignment notifications (a group's id matches no user).
  const ids = [...new Set(assignments.map((assignment) => assignment.userId))];
  const { rows } = await sql<{ id: string }>`
    select u.id from users u left join notification_preferences p on p.user_id = u.id
    where u.id = any(${ids}::uuid[]) and u.active and coalesce(p.assignments, true)`.execute(trx);
  const wanted = new Set(rows.map((row) => row.id));
  const groups = new Map<string, Assignment[]>();
  for (const assignment of assignments) {
    if (!wanted.has(assignment.userId)) continue;
    const key = `${assignment.userId}\u0000${assignment.module}`;
    groups.set(key, [...(groups.get(key) ?? []), assignment]);
  }
  let sent = 0;
  for (const group of groups.values()) {
    const first = group[0];
    if (!first) continue;
    const module = await findModule(trx, first.module);
    if (!module) continue;
    if (group.length > summariseAbove) {
      await notify(trx, {
        userId: first.userId,
        type: 'assignment',
        text: `${group.length} ${module.label.toLowerCase()} were assigned to you`,
      });
      sent += 1;
      continue;
    }
    for (const assignment of group) {
      const name = recordName(module, assignment.record);
      await notify(trx, {
        userId: assignment.userId,
        type: 'assignment',
        text: `${module.itemName}${name ? ` “${name.slice(0, 200)}”` : ''} was assigned to you`,
        module: assignment.module,
        recordId: assignment.recordId,
      });
      sent += 1;
    }
  }
  return sent;
}
