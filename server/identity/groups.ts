import { isForeignKeyViolation, isUniqueViolation } from '../db/errors.ts';
import type { Db } from '../db/index.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { conflict, invalid, notFound } from '../platform/errors.ts';
import { containsPattern, decodeCursor, toPage } from '../platform/pagination.ts';

export interface GroupInput {
  name?: string;
  description?: string | null;
  memberIds?: string[];
}

async function withMembers(
  db: Db,
  groups: { id: string; name: string; description: string | null; createdAt: Date }[],
) {
  if (groups.length === 0) return [];
  const members = await db
    .selectFrom('groupMembers')
    .select(['groupId', 'userId'])
    .where(
      'groupId',
      'in',
      groups.map((group) => group.id),
    )
    .execute();
  return groups.map((group) => ({
    ...group,
    memberIds: members
      .filter((member) => member.groupId === group.id)
      .map((member) => member.userId)
      .sort(),
  }));
}

export async function listGroups(
  db: Db,
  query: { limit: number; cursor?: string | undefined; q?: string | undefined },
) {
  const after = decodeCursor(query.cursor, ['text', 'uuid']);
  let select = db.selectFrom('groups').select(['id', 'name', 'description', 'createdAt']);
  if (query.q) select = select.where('name', 'ilike', containsPattern(query.q));
  if (after)
    select = select.where((eb) =>
      eb(eb.refTuple('name', 'id'), '>', eb.tuple(String(after[0]), String(after[1]))),
    );
  const rows = await select
    .orderBy('name')
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const page = toPage(rows, query.limit, (row) => [row.name, row.id]);
  return { items: await withMembers(db, page.items), nextCursor: page.nextCursor };
}

export async function getGroup(db: Db, id: string) {
  const group = await db
    .selectFrom('groups')
    .select(['id', 'name', 'description', 'createdAt'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!group) throw notFound('Group');
  const [view] = await withMembers(db, [group]);
  return view ?? group;
}

/** `field` is the request property holding `userIds`, for the 400 to name it. */
async function addMembers(db: Db, groupId: string, userIds: string[], field: 'memberIds' | 'userIds') {
  if (userIds.length === 0) return;
  try {
    await db
      .insertInto('groupMembers')
      .values(userIds.map((userId) => ({ groupId, userId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  } catch (error) {
    if (isForeignKeyViolation(error)) throw invalid(field, 'names a user that does not exist');
    throw error;
  }
}

async function guardName<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('name', 'is taken by another group');
    throw error;
  }
}

export async function createGroup(db: Db, actor: Actor, input: GroupInput & { name: string }) {
  const id = await db.transaction().execute(async (trx) => {
    const group = await guardName(() =>
      trx
        .insertInto('groups')
        .values({ name: input.name, description: input.description ?? null })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    await addMembers(trx, group.id, input.memberIds ?? [], 'memberIds');
    await audit(trx, actor, 'group.create', { type: 'group', id: group.id }, { name: input.name });
    return group.id;
  });
  return getGroup(db, id);
}

export async function updateGroup(db: Db, actor: Actor, id: string, input: GroupInput) {
  await db.transaction().execute(async (trx) => {
    const { memberIds, ...fields } = input;
    if (Object.keys(fields).length > 0) {
      const result = await guardName(() =>
        trx.updateTable('groups').set(fields).where('id', '=', id).executeTakeFirst(),
      );
      if (result.numUpdatedRows === 0n) throw notFound('Group');
    } else {
      await getGroup(trx, id);
    }
    if (memberIds) {
      await trx.deleteFrom('groupMembers').where('groupId', '=', id).execute();
      await addMembers(trx, id, memberIds, 'memberIds');
    }
    await audit(trx, actor, 'group.update', { type: 'group', id }, { fields: Object.keys(input) });
  });
  return getGroup(db, id);
}

export async function changeMembers(
  db: Db,
  actor: Actor,
  id: string,
  userIds: string[],
  change: 'add' | 'remove',
) {
  await db.transaction().execute(async (trx) => {
    await getGroup(trx, id);
    if (change === 'add') await addMembers(trx, id, userIds, 'userIds');
    else
      await trx.deleteFrom('groupMembers').where('groupId', '=', id).where('userId', 'in', userIds).execute();
    await audit(trx, actor, `group.members.${change}`, { type: 'group', id }, { userIds });
  });
  return getGroup(db, id);
}

export async function deleteGroup(db: Db, actor: Actor, id: string) {
  await db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('groups').where('id', '=', id).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound('Group');
    await audit(trx, actor, 'group.delete', { type: 'group', id });
  });
}
