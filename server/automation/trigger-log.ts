/**
 * The trigger log (X2CRM's per-flow and global log): every event that reached a flow and what
 * came of it — a run started, trigger conditions not met (when `triggerLogConditions` is on),
 * a cycle, the chain depth limit, an error. Written by the dispatcher; read, filtered and
 * deleted here; kept under the `triggerLogMax` cap by the hourly prune job.
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { notFound } from '../platform/errors.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';

export interface TriggerLogFilter {
  limit: number;
  cursor?: string | undefined;
  flowId?: string | undefined;
  outcome?: string | undefined;
  module?: string | undefined;
  recordId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export async function listTriggerLog(db: Db, filter: TriggerLogFilter) {
  const after = decodeCursor(filter.cursor, ['integer']);
  let query = db
    .selectFrom('flowTriggerLog as log')
    .innerJoin('flows', 'flows.id', 'log.flowId')
    .leftJoin('events', 'events.id', 'log.eventId')
    .select([
      'log.id',
      'log.flowId',
      'flows.name as flowName',
      'log.eventId',
      'events.type as eventType',
      'events.module',
      'events.recordId',
      'log.outcome',
      'log.runId',
      'log.detail',
      'log.createdAt',
    ]);
  if (filter.flowId) query = query.where('log.flowId', '=', filter.flowId);
  if (filter.outcome) query = query.where('log.outcome', '=', filter.outcome as 'started');
  if (filter.module) query = query.where('events.module', '=', filter.module);
  if (filter.recordId) query = query.where('events.recordId', '=', filter.recordId);
  if (filter.from) query = query.where('log.createdAt', '>=', new Date(filter.from));
  if (filter.to) query = query.where('log.createdAt', '<', new Date(filter.to));
  if (after) query = query.where('log.id', '<', Number(after[0]));
  const rows = await query
    .orderBy('log.id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = toPage(rows, filter.limit, (row) => [Number(row.id)]);
  return { items: page.items.map((row) => ({ ...row, id: Number(row.id) })), nextCursor: page.nextCursor };
}

export async function deleteTriggerLogEntry(db: Db, actor: Actor, id: number) {
  const result = await db.deleteFrom('flowTriggerLog').where('id', '=', id).executeTakeFirst();
  if (result.numDeletedRows === 0n) throw notFound('Trigger log entry');
  await audit(db, actor, 'triggerLog.delete', { type: 'triggerLog', id: String(id) });
}

/** Every entry, or every entry of one flow. */
export async function clearTriggerLog(db: Db, actor: Actor, flowId?: string) {
  let query = db.deleteFrom('flowTriggerLog');
  if (flowId) query = query.where('flowId', '=', flowId);
  const result = await query.executeTakeFirst();
  const deleted = Number(result.numDeletedRows);
  await audit(db, actor, 'triggerLog.clear', flowId ? { type: 'flow', id: flowId } : null, { deleted });
  return { deleted };
}

/** Keeps the newest `max` entries of all flows together (X2CRM's triggerLogMax). */
export async function trimTriggerLog(db: Db, max: number): Promise<number> {
  const result = await sql`
    delete from flow_trigger_log
    where id <= (select id from flow_trigger_log order by id desc offset ${max} limit 1)`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
