import { type Expression, type SqlBool, sql } from 'kysely';
import type { ListInput, ListPatch } from '../../schemas/lists.ts';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { type Principal, requireScope, scopeFor } from '../platform/authz.ts';
import { forbidden, invalid, notFound, WeftError } from '../platform/errors.ts';
import { containsPattern, decodeCursor, toPage } from '../platform/pagination.ts';
import { recordsDb } from '../studio/fields.ts';
import { getModule, listModules } from '../studio/modules.ts';
import { refuseHiddenCriteria } from './field-access.ts';
import { accessCondition } from './record-access.ts';
import { listRecords, queryFieldsOf, type RecordListQuery } from './record-list.ts';
import { compileWhere } from './record-query.ts';

/**
 * Lists of records (X2CRM's static and dynamic lists). Members of a static list are kept
 * by id; a dynamic list is a saved json-logic filter evaluated at read time. Reading a
 * list's records applies the reader's role scope like any record list.
 */

const columns = [
  'id',
  'module',
  'name',
  'kind',
  'criteria',
  'ownerId',
  'visibility',
  'createdAt',
  'updatedAt',
] as const;

/** Public lists, and private ones to their owner (and admins). */
function readable(principal: Principal) {
  return (eb: { or: (conditions: Expression<SqlBool>[]) => Expression<SqlBool> }) =>
    eb.or([sql<SqlBool>`visibility = 'public'`, sql<SqlBool>`owner_id = ${principal.id}`]);
}

async function checkCriteria(db: Db, principal: Principal, module: string, criteria: unknown): Promise<void> {
  refuseHiddenCriteria(principal, module, { where: criteria, whereField: 'criteria' });
  try {
    compileWhere(criteria, queryFieldsOf(await getModule(db, module)));
  } catch (error) {
    if (error instanceof WeftError && error.kind === 'VALIDATION') {
      const reason = error.message.replace(/^where /, '');
      throw invalid('criteria', reason);
    }
    throw error;
  }
}

export async function listLists(
  db: Db,
  principal: Principal,
  query: { limit: number; cursor?: string | undefined; q?: string | undefined; module?: string | undefined },
) {
  const after = decodeCursor(query.cursor, ['text', 'uuid']);
  let select = db.selectFrom('lists').select(columns);
  if (!principal.isAdmin) {
    select = select.where(readable(principal));
    // A list on a module the reader may not view is not theirs to see, even by name.
    select = select.where('module', 'in', ['', ...(await viewableModules(db, principal))]);
  }
  if (query.module) select = select.where('module', '=', query.module);
  if (query.q) select = select.where('name', 'ilike', containsPattern(query.q));
  if (after) {
    select = select.where((eb) =>
      eb(eb.refTuple('name', 'id'), '>', eb.tuple(String(after[0]), String(after[1]))),
    );
  }
  const rows = await select
    .orderBy('name')
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, (row) => [row.name, row.id]);
}

export async function getList(db: Db, principal: Principal, id: string) {
  let select = db.selectFrom('lists').select(columns).where('id', '=', id);
  if (!principal.isAdmin) select = select.where(readable(principal));
  const list = await select.executeTakeFirst();
  if (!list || scopeFor(principal, list.module, 'view') === 'none') throw notFound('List');
  return list;
}

/** The modules whose records the principal may view (some scope at least). */
async function viewableModules(db: Db, principal: Principal): Promise<string[]> {
  return (await listModules(db))
    .filter((module) => scopeFor(principal, module.name, 'view') !== 'none')
    .map((module) => module.name);
}

/** Changing a list is for its owner and admins. */
async function ownedList(db: Db, principal: Principal, id: string) {
  const list = await getList(db, principal, id);
  if (!principal.isAdmin && list.ownerId !== principal.id)
    throw forbidden('Only the owner of a list may change it');
  return list;
}

/** The ids among `ids` of records of `module` the principal may view: others cannot be listed. */
async function checkMembers(db: Db, principal: Principal, module: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const table = (await getModule(db, module)).table;
  const visible = await accessCondition(db, principal, module, 'view');
  let select = recordsDb(db).selectFrom(table).select('id').where(sql<SqlBool>`id = any(${ids}::uuid[])`);
  if (visible) select = select.where(visible);
  const found = new Set((await select.execute()).map((row) => String(row.id)));
  const missing = ids.find((id) => !found.has(id));
  if (missing) throw invalid('recordIds', `names no ${module} record you can see (${missing})`);
}

async function insertMembers(trx: Db, listId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .insertInto('listMembers')
    .values(ids.map((recordId) => ({ listId, recordId })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function createList(db: Db, principal: Principal, actor: Actor, input: ListInput) {
  await getModule(db, input.module);
  requireScope(principal, input.module, 'view');
  if (input.kind === 'dynamic') {
    if (input.criteria === undefined) throw invalid('criteria', 'is required for a dynamic list');
    if (input.recordIds) throw invalid('recordIds', 'a dynamic list has no chosen members');
    await checkCriteria(db, principal, input.module, input.criteria);
  } else if (input.criteria !== undefined) {
    throw invalid('criteria', 'only a dynamic list has criteria');
  }
  await checkMembers(db, principal, input.module, input.recordIds ?? []);
  const id = await inTransaction(db, async (trx) => {
    const list = await trx
      .insertInto('lists')
      .values({
        module: input.module,
        name: input.name,
        kind: input.kind,
        criteria: input.criteria === undefined ? null : JSON.stringify(input.criteria),
        ownerId: actor.id,
        visibility: input.visibility,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await insertMembers(trx, list.id, input.recordIds ?? []);
    await audit(
      trx,
      actor,
      'list.create',
      { type: 'list', id: list.id },
      { name: input.name, kind: input.kind },
    );
    return list.id;
  });
  return getList(db, principal, id);
}

export async function updateList(db: Db, principal: Principal, actor: Actor, id: string, patch: ListPatch) {
  const list = await ownedList(db, principal, id);
  if (patch.criteria !== undefined) {
    if (list.kind !== 'dynamic') throw invalid('criteria', 'only a dynamic list has criteria');
    await checkCriteria(db, principal, list.module, patch.criteria);
  }
  await inTransaction(db, async (trx) => {
    await trx
      .updateTable('lists')
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.visibility !== undefined && { visibility: patch.visibility }),
        ...(patch.criteria !== undefined && { criteria: JSON.stringify(patch.criteria) }),
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .execute();
    await audit(trx, actor, 'list.update', { type: 'list', id }, patch);
  });
  return getList(db, principal, id);
}

export async function deleteList(db: Db, principal: Principal, actor: Actor, id: string): Promise<void> {
  await ownedList(db, principal, id);
  await inTransaction(db, async (trx) => {
    await trx.deleteFrom('lists').where('id', '=', id).execute();
    await audit(trx, actor, 'list.delete', { type: 'list', id });
  });
}

export async function changeMembers(
  db: Db,
  principal: Principal,
  id: string,
  recordIds: string[],
  change: 'add' | 'remove',
): Promise<{ members: number }> {
  const list = await ownedList(db, principal, id);
  if (list.kind !== 'static')
    throw invalid('recordIds', 'a dynamic list takes its members from its criteria');
  if (change === 'add') {
    await checkMembers(db, principal, list.module, recordIds);
    await insertMembers(db, id, recordIds);
  } else {
    await db.deleteFrom('listMembers').where('listId', '=', id).where('recordId', 'in', recordIds).execute();
  }
  const { count } = await db
    .selectFrom('listMembers')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('listId', '=', id)
    .executeTakeFirstOrThrow();
  return { members: Number(count) };
}

/** A list's records, as a record list (same query parameters), inside the reader's role scope. */
export async function listMembers(db: Db, principal: Principal, id: string, query: RecordListQuery) {
  const list = await getList(db, principal, id);
  const module = await getModule(db, list.module);
  // A shared dynamic list filtering on a field hidden from the caller would tell its values.
  if (list.kind === 'dynamic')
    refuseHiddenCriteria(principal, module.name, { where: list.criteria, whereField: 'criteria' });
  refuseHiddenCriteria(principal, module.name, query);
  const membership =
    list.kind === 'static'
      ? sql<SqlBool>`id in (select record_id from list_members where list_id = ${id})`
      : compileWhere(list.criteria, queryFieldsOf(module));
  return listRecords(db, principal, list.module, query, membership);
}

/** Whether a record is on a list (static membership, or matching a dynamic list's filter). */
export async function isOnList(db: Db, listId: string, recordId: string): Promise<boolean> {
  const list = await db
    .selectFrom('lists')
    .select(['module', 'kind', 'criteria'])
    .where('id', '=', listId)
    .executeTakeFirst();
  if (!list) return false;
  if (list.kind === 'static') {
    const row = await db
      .selectFrom('listMembers')
      .select('recordId')
      .where('listId', '=', listId)
      .where('recordId', '=', recordId)
      .executeTakeFirst();
    return row !== undefined;
  }
  const module = await getModule(db, list.module);
  const row = await recordsDb(db)
    .selectFrom(module.table)
    .select('id')
    .where('id', '=', recordId)
    .where(compileWhere(list.criteria, queryFieldsOf(module)))
    .executeTakeFirst();
  return row !== undefined;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Which of `recordIds` are on a list, as isOnList decides, in one query (flow conditions
 * ask for several records at once). A list that does not exist has no members.
 */
export async function listMembersAmong(db: Db, listId: string, recordIds: string[]): Promise<string[]> {
  const ids = [...new Set(recordIds.filter((id) => uuidPattern.test(id)))];
  if (ids.length === 0 || !uuidPattern.test(listId)) return [];
  const list = await db
    .selectFrom('lists')
    .select(['module', 'kind', 'criteria'])
    .where('id', '=', listId)
    .executeTakeFirst();
  if (!list) return [];
  if (list.kind === 'static') {
    const rows = await db
      .selectFrom('listMembers')
      .select('recordId')
      .where('listId', '=', listId)
      .where(sql<SqlBool>`record_id = any(${ids}::uuid[])`)
      .execute();
    return rows.map((row) => row.recordId);
  }
  const module = await getModule(db, list.module);
  const rows = await recordsDb(db)
    .selectFrom(module.table)
    .select('id')
    .where(sql<SqlBool>`id = any(${ids}::uuid[])`)
    .where(compileWhere(list.criteria, queryFieldsOf(module)))
    .execute();
  return rows.map((row) => String(row.id));
}

/** Lists owned by a deleted user go to their heir. */
export async function reassignLists(trx: Db, fromUserId: string, toUserId: string): Promise<number> {
  const result = await trx
    .updateTable('lists')
    .set({ ownerId: toUserId })
    .where('ownerId', '=', fromUserId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
