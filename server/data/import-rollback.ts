import { sql } from 'kysely';
import type { RollbackView } from '../../schemas/imports.ts';
import type { Db } from '../db/index.ts';
import type { OwnershipRegistry } from '../identity/ownership.ts';
import { deleteUser } from '../identity/users.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { type Principal, requireAdmin } from '../platform/authz.ts';
import { WeftError } from '../platform/errors.ts';
import { accessCondition } from '../records/record-access.ts';
import { recordsDb } from '../studio/fields.ts';
import { getModule } from '../studio/modules.ts';
import { getImport } from './imports.ts';
import { changesJson, recordJson } from './new-records.ts';

/**
 * Rollback deletes the records an import created, as deletes like any other (changelog
 * row and `record.deleted` event each), in batches. What the import overwrote stays
 * overwritten: the old values are in the changelog, but restoring them could undo edits
 * made since, so rollback says so instead of guessing.
 */

const batch = 1000;

async function createdIds(db: Db, importId: string, after: string | null): Promise<string[]> {
  let select = db
    .selectFrom('importRecords')
    .select('recordId')
    .where('importId', '=', importId)
    .where('action', '=', 'created');
  if (after) select = select.where('recordId', '>', after);
  return (await select.orderBy('recordId').limit(batch).execute()).map((row) => row.recordId);
}

async function deleteRecords(
  db: Db,
  principal: Principal,
  actor: Actor,
  moduleName: string,
  importId: string,
  removePosts: boolean,
) {
  const module = await getModule(db, moduleName);
  const view = await accessCondition(db, principal, moduleName, 'view');
  const allowed = await accessCondition(db, principal, moduleName, 'delete');
  let deleted = 0;
  let missing = 0;
  let posts = 0;
  const conditions = [view, allowed].filter((condition) => condition !== null);
  // One statement a batch: the deletes, their changelog rows and their events, the record
  // as the API answers it built in SQL from the deleted rows (new-records.ts).
  const deleteBatch = async (ids: string[]) => {
    const rows = await db.transaction().execute(async (trx) => {
      if (removePosts) {
        // The posts flows (or people) wrote on the records the import created (asked for).
        const removed = await trx
          .deleteFrom('feedPosts')
          .where('module', '=', moduleName)
          .where('recordId', 'in', ids)
          .executeTakeFirst();
        posts += Number(removed.numDeletedRows);
      }
      return (
        await sql<{ deleted: number }>`
      with removed as (
        delete from ${sql.table(module.table)}
        where id = any(${ids}::uuid[]) ${sql.join(
          conditions.map((condition) => sql`and ${condition}`),
          sql` `,
        )}
        returning *
      ), made as (
        select row_number() over () as n, id, ${recordJson(module)} as record,
          ${changesJson(module, 'delete')} as changes
        from removed
      ), logged as (
        insert into changelog (module, record_id, action, changes, actor_id, actor_name)
        select ${moduleName}, id, 'delete', changes, ${actor.id}::uuid, ${actor.username}
        from made order by n
      ), emitted as (
        insert into events (type, module, record_id, payload, actor_id)
        select 'record.deleted', ${moduleName}, id, jsonb_build_object('record', record), ${actor.id}::uuid
        from made order by n
      )
      select count(*)::int as deleted from made`.execute(recordsDb(trx))
      ).rows;
    });
    const gone = Number(rows[0]?.deleted ?? 0);
    deleted += gone;
    missing += ids.length - gone;
  };
  // Pages of ids are read one after another; their deletes run two at a time (disjoint
  // records: neither waits on the other), so that on two cores PostgreSQL deletes one batch
  // while the other commits or is read. The first failure stops both lanes.
  let after: string | null = null;
  let paging: Promise<string[]> = Promise.resolve([]);
  let stopped = false;
  const nextPage = () => {
    paging = paging.then(async () => {
      if (stopped) return [];
      const ids = await createdIds(db, importId, after);
      after = ids.at(-1) ?? after;
      if (ids.length === 0) stopped = true;
      return ids;
    });
    return paging;
  };
  const lane = async () => {
    try {
      for (let ids = await nextPage(); ids.length > 0; ids = await nextPage()) await deleteBatch(ids);
    } catch (error) {
      stopped = true;
      throw error;
    }
  };
  const lanes = await Promise.allSettled([lane(), lane()]);
  for (const outcome of lanes) if (outcome.status === 'rejected') throw outcome.reason;
  return { deleted, missing, posts };
}

/**
 * What rolling an import back would do and what it cannot undo, asked before: the records it
 * would delete, the updated ones that keep the imported values, the feed posts on the created
 * records (removed only if asked), and the emails already sent about them (never unsent).
 */
export async function rollbackPreview(db: Db, principal: Principal, id: string) {
  const found = await getImport(db, principal, id);
  const created = db
    .selectFrom('importRecords')
    .select('recordId')
    .where('importId', '=', id)
    .where('action', '=', 'created');
  const count = async (query: { executeTakeFirstOrThrow(): Promise<{ count: string | number | bigint }> }) =>
    Number((await query.executeTakeFirstOrThrow()).count);
  const records = found.module === 'users';
  const [toDelete, updated, posts, emails] = await Promise.all([
    count(
      db
        .selectFrom('importRecords')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('importId', '=', id)
        .where('action', '=', 'created'),
    ),
    count(
      db
        .selectFrom('importRecords')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('importId', '=', id)
        .where('action', '=', 'updated'),
    ),
    records
      ? 0
      : count(
          db
            .selectFrom('feedPosts')
            .select((eb) => eb.fn.countAll().as('count'))
            .where('module', '=', found.module)
            .where('recordId', 'in', created),
        ),
    records
      ? 0
      : count(
          db
            .selectFrom('emailOutbox')
            .select((eb) => eb.fn.countAll().as('count'))
            .where('module', '=', found.module)
            .where('recordId', 'in', created)
            .where('status', '=', 'sent'),
        ),
  ]);
  const warnings: string[] = [];
  if (updated > 0)
    warnings.push(
      `${updated} records the import updated keep the imported values (their old values are in the changelog).`,
    );
  if (emails > 0)
    warnings.push(`${emails} emails were already sent about the imported records: they cannot be unsent.`);
  if (posts > 0)
    warnings.push(
      `${posts} activity-feed posts were written on the imported records: remove them too, or keep them.`,
    );
  return { status: found.status, toDelete, updated, posts, emails, warnings };
}

async function deleteUsers(
  db: Db,
  ownership: OwnershipRegistry,
  actor: Actor & { id: string },
  importId: string,
) {
  let deleted = 0;
  let missing = 0;
  for (
    let ids = await createdIds(db, importId, null);
    ids.length > 0;
    ids = await createdIds(db, importId, ids.at(-1) ?? null)
  ) {
    for (const id of ids) {
      try {
        // What the imported user came to own since goes to the admin rolling back.
        await deleteUser(db, ownership, actor, id, actor.id);
        deleted++;
      } catch (error) {
        if (!(error instanceof WeftError) || error.kind !== 'NOT_FOUND') throw error;
        missing++;
      }
    }
  }
  return { deleted, missing };
}

export async function rollbackImport(
  db: Db,
  ownership: OwnershipRegistry,
  principal: Principal,
  actor: Actor & { id: string },
  id: string,
  options: { removePosts?: boolean } = {},
): Promise<RollbackView> {
  const found = await getImport(db, principal, id);
  if (found.status === 'rolledBack')
    throw new WeftError('CONFLICT', 'This import is already rolled back', [
      { field: 'status', reason: 'is rolledBack' },
    ]);
  if (found.status === 'queued' || found.status === 'running')
    throw new WeftError('CONFLICT', 'This import is still running', [
      { field: 'status', reason: `is ${found.status}` },
    ]);
  // Claimed first, so that two rollbacks of one import do not both run.
  const claimed = await db
    .updateTable('imports')
    .set({ status: 'rolledBack', rolledBackAt: sql`now()` })
    .where('id', '=', id)
    .where('status', 'in', ['done', 'failed'])
    .executeTakeFirst();
  if (claimed.numUpdatedRows === 0n)
    throw new WeftError('CONFLICT', 'This import is already rolled back or running');
  let result: { deleted: number; missing: number; posts?: number };
  try {
    if (found.module === 'users') {
      requireAdmin(principal);
      result = await deleteUsers(db, ownership, actor, id);
    } else {
      result = await deleteRecords(db, principal, actor, found.module, id, options.removePosts === true);
    }
  } catch (error) {
    // Let it be tried again: what was deleted stays deleted, the rest is found again.
    await db
      .updateTable('imports')
      .set({ status: found.status, rolledBackAt: null })
      .where('id', '=', id)
      .execute();
    throw error;
  }
  const notReverted = Number(
    (
      await db
        .selectFrom('importRecords')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('importId', '=', id)
        .where('action', '=', 'updated')
        .executeTakeFirstOrThrow()
    ).count,
  );
  await audit(db, actor, 'import.rollback', { type: 'import', id }, { ...result, notReverted });
  const kept = result.missing > 0 ? ` ${result.missing} were already deleted or are outside your roles.` : '';
  const updates =
    notReverted > 0
      ? ` The ${notReverted} records it updated keep the imported values: rollback cannot undo overwrites (their old values are in the changelog).`
      : '';
  const posts = result.posts ? ` Removed ${result.posts} activity-feed posts on them.` : '';
  return {
    deleted: result.deleted,
    missing: result.missing,
    postsRemoved: result.posts ?? 0,
    notReverted,
    message: `Deleted ${result.deleted} records the import created.${posts}${kept}${updates}`,
  };
}
