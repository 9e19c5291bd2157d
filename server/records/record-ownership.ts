import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { recordsDb } from '../studio/fields.ts';
import { listModules } from '../studio/modules.ts';
import { toRecord } from '../studio/record-schema.ts';

/**
 * The records part of deleting a user: every record assigned to them, in every module,
 * goes to their heir, each move logged and emitted like any other update, in the
 * deletion's transaction. (The reassigner is not told who deletes, so the changelog
 * names the deletion rather than a person.)
 */
export async function reassignRecords(trx: Db, fromUserId: string, toUserId: string): Promise<number> {
  let moved = 0;
  for (const module of await listModules(trx)) {
    const rows = await recordsDb(trx)
      .updateTable(module.table)
      .set({ assigned_to: toUserId, updated_at: sql`now()` })
      .where('assigned_to', '=', fromUserId)
      .returningAll()
      .execute();
    if (rows.length === 0) continue;
    moved += rows.length;
    const records = rows.map((row) => toRecord(module, row));
    const change = { assignedTo: { before: fromUserId, after: toUserId } };
    await trx
      .insertInto('changelog')
      .values(
        records.map((record) => ({
          module: module.name,
          recordId: String(record.id),
          action: 'update' as const,
          changes: JSON.stringify(change),
          actorId: null,
          actorName: 'user deletion',
        })),
      )
      .execute();
    await trx
      .insertInto('events')
      .values(
        records.map((record) => ({
          type: 'record.updated' as const,
          module: module.name,
          recordId: String(record.id),
          payload: JSON.stringify({ record, previous: { assignedTo: fromUserId }, changed: ['assignedTo'] }),
          actorId: null,
          causationId: null,
          depth: null,
        })),
      )
      .execute();
  }
  return moved;
}
