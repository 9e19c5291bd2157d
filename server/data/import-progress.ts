import { sql } from 'kysely';
import { publish } from '../collaboration/live.ts';
import type { Db } from '../db/index.ts';
import type { RowError } from './import-rows.ts';

/** An import's counters and failed rows, written in the transaction of the rows they count. */

export interface Counts {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
}

/** Progress, where the importing user's sockets see it, on commit. */
export async function pushProgress(trx: Db, id: string, userId: string | null) {
  const row = await trx
    .selectFrom('imports')
    .select(['id', 'status', 'total', 'processed', 'created', 'updated', 'unchanged', 'skipped', 'failed'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  if (userId) await publish(trx, { type: 'import.progress', data: row, to: { users: [userId] } });
}

/** Failed rows, records written and the counters: in the batch's transaction. */
export async function recordProgress(
  trx: Db,
  importRow: { id: string; createdBy: string | null },
  rows: number,
  counts: Counts,
  errors: RowError[],
  records: { id: string; action: 'created' | 'updated' }[],
  /** The batch's first row, for a resumed job to skip it; absent where rows go one by one (users). */
  batchStart?: number,
) {
  if (errors.length > 0)
    await trx
      .insertInto('importErrors')
      .values(errors.map((error) => ({ importId: importRow.id, ...error })))
      .execute();
  if (records.length > 0)
    await sql`
      insert into import_records (import_id, record_id, action)
      select ${importRow.id}::uuid, record_id, action
      from unnest(${records.map((record) => record.id)}::uuid[], ${records.map((record) => record.action)}::text[]) as r(record_id, action)
      on conflict do nothing
    `.execute(trx);
  await trx
    .updateTable('imports')
    .set((eb) => ({
      processed: eb('processed', '+', rows),
      created: eb('created', '+', counts.created),
      updated: eb('updated', '+', counts.updated),
      unchanged: eb('unchanged', '+', counts.unchanged),
      skipped: eb('skipped', '+', counts.skipped),
      failed: eb('failed', '+', counts.failed),
      ...(batchStart !== undefined && {
        doneBatches: sql<number[]>`array_append(done_batches, ${batchStart})`,
      }),
    }))
    .where('id', '=', importRow.id)
    .execute();
  await pushProgress(trx, importRow.id, importRow.createdBy);
}
