import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';

/** Record view history (who viewed what, when), written by every read of one record. */

export interface ViewQuery {
  limit: number;
  cursor?: string | undefined;
  userId?: string | undefined;
  module?: string | undefined;
  recordId?: string | undefined;
}

export async function listViews(db: Db, query: ViewQuery) {
  const after = decodeCursor(query.cursor, ['integer']);
  let select = db
    .selectFrom('recordViews')
    .leftJoin('users', 'users.id', 'recordViews.userId')
    .select([
      'recordViews.id',
      'recordViews.module',
      'recordViews.recordId',
      'recordViews.userId',
      'users.username',
      'recordViews.viewedAt',
    ]);
  if (query.userId) select = select.where('recordViews.userId', '=', query.userId);
  if (query.module) select = select.where('recordViews.module', '=', query.module);
  if (query.recordId) select = select.where('recordViews.recordId', '=', query.recordId);
  if (after) select = select.where('recordViews.id', '<', Number(after[0]));
  const rows = await select
    .orderBy('recordViews.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, (row) => [row.id]);
}

/** X2CRM's "clear view history": every view of every record, audited. */
export async function clearViews(db: Db, actor: Actor): Promise<{ cleared: number }> {
  return inTransaction(db, async (trx) => {
    const result = await trx.deleteFrom('recordViews').executeTakeFirst();
    const cleared = Number(result.numDeletedRows);
    await audit(trx, actor, 'record-views.clear', null, { cleared });
    return { cleared };
  });
}
