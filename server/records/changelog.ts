import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { ChangelogAction } from '../db/types.ts';
import type { Actor } from '../platform/audit.ts';
import { eventRow, type NewEvent } from '../platform/events.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';

/** Field-level history of every record write, written in the write's transaction. */

export type Changes = Record<string, { before: unknown; after: unknown }>;
type Values = Record<string, unknown>;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The fields whose value differs between two versions of a record (updatedAt moves with every write). */
export function diff(before: Values, after: Values): Changes {
  const changes: Changes = {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (name === 'updatedAt' || name === 'id') continue;
    if (!same(before[name], after[name]))
      changes[name] = { before: before[name] ?? null, after: after[name] ?? null };
  }
  return changes;
}

export interface ChangelogEntry {
  module: string;
  recordId: string;
  action: ChangelogAction;
  changes: Changes;
  actor: Actor;
}

const changelogRow = (entry: ChangelogEntry) => ({
  module: entry.module,
  recordId: entry.recordId,
  action: entry.action,
  changes: JSON.stringify(entry.changes),
  actorId: entry.actor.id,
  actorName: entry.actor.username,
});

/**
 * A record write's changelog row and its outbox event, in one statement (every record write
 * makes both, so it is plain SQL rather than built anew each time).
 */
export async function writeChangeAndEvent(trx: Db, entry: ChangelogEntry, event: NewEvent): Promise<void> {
  const log = changelogRow(entry);
  const row = eventRow(event);
  await sql`
    with logged as (
      insert into changelog (module, record_id, action, changes, actor_id, actor_name)
      values (${log.module}, ${log.recordId}, ${log.action}, ${log.changes}, ${log.actorId}, ${log.actorName}))
    insert into events (type, module, record_id, payload, actor_id, causation_id, depth)
    values (${row.type}, ${row.module}, ${row.recordId}, ${row.payload}, ${row.actorId}, ${row.causationId}, ${row.depth})`.execute(
    trx,
  );
}

export interface ChangelogQuery {
  limit: number;
  cursor?: string | undefined;
  module?: string | undefined;
  recordId?: string | undefined;
  userId?: string | undefined;
}

/** Newest first; filters by module, record and the user who made the change. */
export async function listChangelog(db: Db, query: ChangelogQuery) {
  const after = decodeCursor(query.cursor, ['integer']);
  let select = db
    .selectFrom('changelog')
    .select(['id', 'module', 'recordId', 'action', 'changes', 'actorId', 'actorName', 'at']);
  if (query.module) select = select.where('module', '=', query.module);
  if (query.recordId) select = select.where('recordId', '=', query.recordId);
  if (query.userId) select = select.where('actorId', '=', query.userId);
  if (after) select = select.where('id', '<', Number(after[0]));
  const rows = await select
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, (row) => [row.id]);
}
