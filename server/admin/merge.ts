/**
 * Merging duplicates: the survivor takes the chosen field values (an ordinary update, with its
 * changelog row and event); feed posts (with their comments), list memberships and every link
 * field pointing at a merged record — tasks' "related to" included — move to the survivor; the
 * merged records are deleted. The merge log keeps the merged rows, the survivor's values
 * before and what moved, so that a merge can be reverted.
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { MergeMoved } from '../db/types.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { type Principal, requireAdmin } from '../platform/authz.ts';
import { notFound, WeftError } from '../platform/errors.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';
import { moveProgressOnMerge, restoreProgressAfterMerge } from '../processes/progress-merge.ts';
import { deleteRecord, getRecord, updateRecord } from '../records/records.ts';
import { columnName, recordsDb } from '../studio/fields.ts';
import { getModule, listModules, type ModuleDefinition } from '../studio/modules.ts';

/** Link fields anywhere that may point at a record of `target` (plain, or polymorphic with a module field). */
async function linksTo(db: Db, target: ModuleDefinition) {
  const found: Array<{ module: ModuleDefinition; field: string; holder?: string }> = [];
  for (const module of await listModules(db)) {
    for (const field of module.fields) {
      if (field.type !== 'link') continue;
      const holder = field.options.moduleField;
      if (typeof holder === 'string') found.push({ module, field: field.name, holder });
      else if (field.options.module === target.name) found.push({ module, field: field.name });
    }
  }
  return found;
}

export interface MergeInput {
  module: string;
  survivorId: string;
  mergedIds: string[];
  /** Field → the id of the record whose value the survivor takes (the survivor's own by default). */
  choices?: Record<string, string>;
}

export async function mergeRecords(db: Db, principal: Principal, actor: Actor, input: MergeInput) {
  requireAdmin(principal);
  const mergedIds = [...new Set(input.mergedIds)].filter((id) => id !== input.survivorId);
  if (mergedIds.length === 0)
    throw new WeftError('VALIDATION', 'Choose at least one record to merge into the survivor', [
      { field: 'mergedIds', reason: 'names only the survivor' },
    ]);
  const module = await getModule(db, input.module);
  return db.transaction().execute(async (trx) => {
    const survivor = await getRecord(trx, principal, module.name, input.survivorId, { display: false });
    const rows = await recordsDb(trx)
      .selectFrom(module.table)
      .selectAll()
      .where('id', 'in', mergedIds)
      .forUpdate()
      .execute();
    if (rows.length !== mergedIds.length) throw notFound(`${module.itemName} to merge`);
    const byId = new Map<string, Record<string, unknown>>();
    for (const id of mergedIds)
      byId.set(id, await getRecord(trx, principal, module.name, id, { display: false }));
    // The survivor's new values: for each chosen field, the value of the record chosen.
    const writable = new Set(module.fields.filter((field) => !field.readOnly).map((field) => field.name));
    const values: Record<string, unknown> = {};
    const bad: Array<{ field: string; reason: string }> = [];
    for (const [field, from] of Object.entries(input.choices ?? {})) {
      if (!writable.has(field))
        bad.push({ field: `/choices/${field}`, reason: 'is not a field that can be set' });
      else if (from !== input.survivorId && !byId.has(from))
        bad.push({ field: `/choices/${field}`, reason: 'names a record that is not part of the merge' });
      else if (from !== input.survivorId) values[field] = byId.get(from)?.[field] ?? null;
    }
    if (bad.length > 0) throw new WeftError('VALIDATION', 'Some choices are not possible', bad);

    const moved: MergeMoved = { feedPosts: [], listMembers: [], links: [], processes: [] };
    // Feed posts about a merged record (their comments come with them).
    const posts = await trx
      .selectFrom('feedPosts')
      .select(['id', 'recordId'])
      .where('module', '=', module.name)
      .where('recordId', 'in', mergedIds)
      .execute();
    moved.feedPosts = posts.map((post) => ({ id: post.id, from: String(post.recordId) }));
    if (posts.length > 0)
      await trx
        .updateTable('feedPosts')
        .set({ recordId: input.survivorId })
        .where(
          'id',
          'in',
          posts.map((post) => post.id),
        )
        .execute();
    // List memberships: the survivor joins each list a merged record was on (once).
    const memberships = await trx
      .selectFrom('listMembers')
      .select(['listId', 'recordId'])
      .where('recordId', 'in', mergedIds)
      .execute();
    for (const membership of memberships) {
      const inserted = await trx
        .insertInto('listMembers')
        .values({ listId: membership.listId, recordId: input.survivorId })
        .onConflict((oc) => oc.doNothing())
        .returning('listId')
        .execute();
      moved.listMembers.push({
        listId: membership.listId,
        from: membership.recordId,
        added: inserted.length > 0,
      });
    }
    // Links (tasks' association, contacts' account, …) pointing at a merged record.
    for (const link of await linksTo(trx, module)) {
      const column = columnName(link.field);
      let pointing = recordsDb(trx)
        .selectFrom(link.module.table)
        .select(['id', `${column} as from`])
        .where(column, 'in', mergedIds);
      if (link.holder) pointing = pointing.where(columnName(link.holder), '=', module.name);
      const found = await pointing.execute();
      if (found.length === 0) continue;
      await recordsDb(trx)
        .updateTable(link.module.table)
        .set({ [column]: input.survivorId })
        .where(
          'id',
          'in',
          found.map((row) => String(row.id)),
        )
        .execute();
      for (const row of found)
        moved.links.push({
          module: link.module.name,
          field: link.field,
          recordId: String(row.id),
          from: String(row.from),
        });
      await logLinks(trx, actor, moved.links.slice(-found.length), input.survivorId, 'merge');
    }
    // Process progress follows the merge into the survivor (with a changelog row there).
    moved.processes = await moveProgressOnMerge(trx, actor, module.name, mergedIds, input.survivorId);
    const survivorBefore = Object.fromEntries(
      Object.keys(values).map((field) => [field, survivor[field] ?? null]),
    );
    if (Object.keys(values).length > 0)
      await updateRecord(trx, principal, actor, module.name, input.survivorId, values, { display: false });
    for (const id of mergedIds) await deleteRecord(trx, principal, actor, module.name, id);
    const log = await trx
      .insertInto('mergeLog')
      .values({
        module: module.name,
        survivorId: input.survivorId,
        mergedIds,
        mergedRows: JSON.stringify(rows),
        survivorBefore: JSON.stringify(survivorBefore),
        moved: JSON.stringify(moved),
        createdBy: actor.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(
      trx,
      actor,
      'record.merge',
      { type: module.name, id: input.survivorId },
      { mergedIds, mergeId: log.id },
    );
    return { mergeId: log.id, survivorId: input.survivorId, merged: mergedIds.length, moved: countOf(moved) };
  });
}

const countOf = (moved: MergeMoved) => ({
  feedPosts: moved.feedPosts.length,
  listMembers: moved.listMembers.length,
  links: moved.links.length,
  processes: moved.processes?.length ?? 0,
});

/** A changelog row on each record whose link field a merge (or its revert) moved. */
async function logLinks(
  trx: Db,
  actor: Actor,
  links: MergeMoved['links'],
  survivorId: string,
  direction: 'merge' | 'revert',
) {
  if (links.length === 0) return;
  await trx
    .insertInto('changelog')
    .values(
      links.map((link) => ({
        module: link.module,
        recordId: link.recordId,
        action: 'update' as const,
        changes: JSON.stringify({
          [link.field]:
            direction === 'merge'
              ? { before: link.from, after: survivorId }
              : { before: survivorId, after: link.from },
        }),
        actorId: actor.id,
        actorName: actor.username,
      })),
    )
    .execute();
}

/** The changelog row of a merged record that a revert brings back: its values, and why. */
function restoredEntry(
  module: ModuleDefinition,
  row: Record<string, unknown>,
  mergeId: string,
  actor: Actor,
) {
  const changes: Record<string, { before: null; after: unknown }> = {};
  for (const field of module.fields) {
    const value = row[columnName(field.name)];
    if (value !== null && value !== undefined) changes[field.name] = { before: null, after: value };
  }
  changes.merge = { before: null, after: `reverted merge ${mergeId}` };
  return {
    module: module.name,
    recordId: String(row.id),
    action: 'create' as const,
    changes: JSON.stringify(changes),
    actorId: actor.id,
    actorName: actor.username,
  };
}

/**
 * Undoes a merge: the merged records come back as they were (same ids), what moved goes back
 * to them, the survivor gets its values back, and the survivor's list memberships added by the
 * merge are removed.
 */
export async function revertMerge(db: Db, principal: Principal, actor: Actor, id: string) {
  requireAdmin(principal);
  return db.transaction().execute(async (trx) => {
    const log = await trx
      .selectFrom('mergeLog')
      .selectAll()
      // As text: the rows' snake_case column names must not be camel-cased on the way out.
      .select(sql<string>`merged_rows::text`.as('rowsText'))
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!log) throw notFound('Merge');
    if (log.revertedAt) throw new WeftError('CONFLICT', 'This merge was already reverted');
    const module = await getModule(trx, log.module);
    const rows = JSON.parse(log.rowsText) as Record<string, unknown>[];
    for (const row of rows) {
      const exists = await recordsDb(trx)
        .selectFrom(module.table)
        .select('id')
        .where('id', '=', String(row.id))
        .executeTakeFirst();
      if (exists)
        throw new WeftError(
          'CONFLICT',
          `Record ${String(row.id)} exists again; the merge cannot be reverted`,
        );
      await recordsDb(trx).insertInto(module.table).values(row).execute();
      // The record's history says it came back, and with which values.
      await trx
        .insertInto('changelog')
        .values(restoredEntry(module, row, id, actor))
        .execute();
    }
    const moved = log.moved as MergeMoved;
    for (const post of moved.feedPosts)
      await trx.updateTable('feedPosts').set({ recordId: post.from }).where('id', '=', post.id).execute();
    for (const membership of moved.listMembers) {
      await trx
        .insertInto('listMembers')
        .values({ listId: membership.listId, recordId: membership.from })
        .onConflict((oc) => oc.doNothing())
        .execute();
      if (membership.added)
        await trx
          .deleteFrom('listMembers')
          .where('listId', '=', membership.listId)
          .where('recordId', '=', log.survivorId)
          .execute();
    }
    const movedBack: MergeMoved['links'] = [];
    for (const link of moved.links) {
      const target = await getModule(trx, link.module);
      const changed = await recordsDb(trx)
        .updateTable(target.table)
        .set({ [columnName(link.field)]: link.from })
        .where('id', '=', link.recordId)
        .where(columnName(link.field), '=', log.survivorId)
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) > 0) movedBack.push(link);
    }
    await logLinks(trx, actor, movedBack, log.survivorId, 'revert');
    await restoreProgressAfterMerge(trx, actor, log.module, log.survivorId, moved.processes ?? []);
    await trx.updateTable('mergeLog').set({ revertedAt: new Date() }).where('id', '=', id).execute();
    if (Object.keys(log.survivorBefore as object).length > 0)
      await updateRecord(trx, principal, actor, log.module, log.survivorId, log.survivorBefore, {
        display: false,
      });
    await audit(trx, actor, 'record.mergeRevert', { type: log.module, id: log.survivorId }, { mergeId: id });
    return { reverted: log.mergedIds.length };
  });
}

export async function listMerges(
  db: Db,
  query: { module?: string | undefined; limit: number; cursor?: string | undefined },
) {
  const after = decodeCursor(query.cursor, ['text', 'uuid']);
  let select = db
    .selectFrom('mergeLog')
    .leftJoin('users', 'users.id', 'mergeLog.createdBy')
    .select([
      'mergeLog.id',
      'mergeLog.module',
      'mergeLog.survivorId',
      'mergeLog.mergedIds',
      'mergeLog.moved',
      'mergeLog.createdAt',
      'mergeLog.revertedAt',
      'users.username as mergedBy',
      sql<string>`to_json(merge_log.created_at) #>> '{}'`.as('key'),
    ]);
  if (query.module) select = select.where('mergeLog.module', '=', query.module);
  if (after)
    select = select.where((eb) =>
      eb(
        eb.refTuple(sql`to_json(merge_log.created_at) #>> '{}'`, 'mergeLog.id'),
        '<',
        eb.tuple(String(after[0]), String(after[1])),
      ),
    );
  const rows = await select
    .orderBy('mergeLog.createdAt', 'desc')
    .orderBy('mergeLog.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = toPage(rows, query.limit, (row) => [row.key, row.id]);
  return {
    items: page.items.map(({ key: _key, moved, ...row }) => ({
      ...row,
      moved: countOf(moved as MergeMoved),
    })),
    nextCursor: page.nextCursor,
  };
}
