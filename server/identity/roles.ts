import { isUniqueViolation } from '../db/errors.ts';
import type { Db } from '../db/index.ts';
import type { PermissionMatrix } from '../db/types.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { conflict, notFound } from '../platform/errors.ts';
import { containsPattern, decodeCursor, toPage } from '../platform/pagination.ts';
import { assertAdminRemains } from './users.ts';

export interface RoleInput {
  name?: string;
  description?: string | null;
  isAdmin?: boolean;
  permissions?: PermissionMatrix;
}

const columns = ['id', 'name', 'description', 'isAdmin', 'permissions', 'createdAt', 'updatedAt'] as const;

async function withUserCounts<T extends { id: string }>(db: Db, roles: T[]) {
  if (roles.length === 0) return [];
  const counts = await db
    .selectFrom('userRoles')
    .select(['roleId', (eb) => eb.fn.countAll<number>().as('n')])
    .where(
      'roleId',
      'in',
      roles.map((role) => role.id),
    )
    .groupBy('roleId')
    .execute();
  return roles.map((role) => ({
    ...role,
    userCount: Number(counts.find((count) => count.roleId === role.id)?.n ?? 0),
  }));
}

export async function listRoles(
  db: Db,
  query: { limit: number; cursor?: string | undefined; q?: string | undefined },
) {
  const after = decodeCursor(query.cursor, ['text', 'uuid']);
  let select = db.selectFrom('roles').select(columns);
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
  return { items: await withUserCounts(db, page.items), nextCursor: page.nextCursor };
}

export async function getRole(db: Db, id: string) {
  const role = await db.selectFrom('roles').select(columns).where('id', '=', id).executeTakeFirst();
  if (!role) throw notFound('Role');
  const [view] = await withUserCounts(db, [role]);
  return view ?? { ...role, userCount: 0 };
}

async function guardName<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('name', 'is taken by another role');
    throw error;
  }
}

export async function createRole(db: Db, actor: Actor, input: RoleInput & { name: string }) {
  const id = await db.transaction().execute(async (trx) => {
    const role = await guardName(() =>
      trx
        .insertInto('roles')
        .values({
          name: input.name,
          description: input.description ?? null,
          isAdmin: input.isAdmin ?? false,
          permissions: JSON.stringify(input.permissions ?? {}),
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    await audit(trx, actor, 'role.create', { type: 'role', id: role.id }, { name: input.name });
    return role.id;
  });
  return getRole(db, id);
}

export async function updateRole(db: Db, actor: Actor, id: string, input: RoleInput) {
  await db.transaction().execute(async (trx) => {
    const { permissions, ...fields } = input;
    const result = await guardName(() =>
      trx
        .updateTable('roles')
        .set({
          ...fields,
          ...(permissions && { permissions: JSON.stringify(permissions) }),
          updatedAt: new Date(),
        })
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    if (result.numUpdatedRows === 0n) throw notFound('Role');
    if (input.isAdmin === false) await assertAdminRemains(trx);
    await audit(
      trx,
      actor,
      'role.update',
      { type: 'role', id },
      { fields: Object.keys(input), ...(permissions && { permissions }) },
    );
  });
  return getRole(db, id);
}

export async function deleteRole(db: Db, actor: Actor, id: string) {
  await db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('roles').where('id', '=', id).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound('Role');
    await assertAdminRemains(trx);
    await audit(trx, actor, 'role.delete', { type: 'role', id });
  });
}
