/**
 * Process progress through a merge of duplicates (admin/merge.ts): the merged records' progress
 * follows the merge into the kept record, and goes back on revert. Each move is a changelog
 * row on the kept record, so its history says where its stages came from.
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { Actor } from '../platform/audit.ts';

/** One process's progress that moved from a merged record to the kept one. */
export interface MovedProgress {
  processId: string;
  from: string;
}

async function logOn(trx: Db, actor: Actor, module: string, recordId: string, changes: object) {
  await trx
    .insertInto('changelog')
    .values({
      module,
      recordId,
      action: 'update',
      changes: JSON.stringify(changes),
      actorId: actor.id,
      actorName: actor.username,
    })
    .execute();
}

const stageOf = async (trx: Db, processId: string, recordId: string) =>
  (
    await trx
      .selectFrom('processProgress')
      .select('currentStage')
      .where('processId', '=', processId)
      .where('recordId', '=', recordId)
      .executeTakeFirst()
  )?.currentStage ?? null;

/**
 * Moves each merged record's progress to `survivorId` in every process the survivor has not
 * started (the survivor's own progress wins where it has one; the merged record's then stays
 * under its id, where a revert finds it). Returns what moved, for the merge log.
 */
export async function moveProgressOnMerge(
  trx: Db,
  actor: Actor,
  module: string,
  mergedIds: string[],
  survivorId: string,
): Promise<MovedProgress[]> {
  if (mergedIds.length === 0) return [];
  const rows = await trx
    .selectFrom('processProgress')
    .innerJoin('processes', 'processes.id', 'processProgress.processId')
    .select(['processProgress.processId', 'processProgress.recordId', 'processes.name'])
    .where('processProgress.recordId', 'in', [...mergedIds, survivorId])
    .orderBy('processProgress.updatedAt', 'desc')
    .forUpdate()
    .execute();
  const taken = new Set(rows.filter((row) => row.recordId === survivorId).map((row) => row.processId));
  const moved: MovedProgress[] = [];
  // Newest first: when two merged records are in one process, the most recently moved progress goes.
  for (const row of rows) {
    if (row.recordId === survivorId || taken.has(row.processId)) continue;
    taken.add(row.processId);
    await sql`with stages as (
        update process_stage_states set record_id = ${survivorId}
        where process_id = ${row.processId} and record_id = ${row.recordId})
      update process_progress set record_id = ${survivorId}, updated_at = now()
      where process_id = ${row.processId} and record_id = ${row.recordId}`.execute(trx);
    moved.push({ processId: row.processId, from: row.recordId });
    await logOn(trx, actor, module, survivorId, {
      [row.name]: {
        before: null,
        after: `progress of merged record ${row.recordId} (at ${(await stageOf(trx, row.processId, survivorId)) ?? 'no stage'})`,
      },
    });
  }
  return moved;
}

/** Reverting a merge: each moved progress goes back to the record it came from. */
export async function restoreProgressAfterMerge(
  trx: Db,
  actor: Actor,
  module: string,
  survivorId: string,
  moved: MovedProgress[],
): Promise<void> {
  for (const item of moved) {
    const process = await trx
      .selectFrom('processes')
      .select('name')
      .where('id', '=', item.processId)
      .executeTakeFirst();
    if (!process) continue; // the process was deleted since: its progress went with it
    await sql`with stages as (
        update process_stage_states set record_id = ${item.from}
        where process_id = ${item.processId} and record_id = ${survivorId})
      update process_progress set record_id = ${item.from}, updated_at = now()
      where process_id = ${item.processId} and record_id = ${survivorId}`.execute(trx);
    await logOn(trx, actor, module, survivorId, {
      [process.name]: { before: `progress of merged record ${item.from}`, after: null },
    });
  }
}
