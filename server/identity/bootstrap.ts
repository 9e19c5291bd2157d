import type { Db } from '../db/index.ts';
import { hashPassword, randomPassword } from './passwords.ts';

/**
 * On the very first start there are no users: create `admin` with the Administrator
 * role. The password comes from WEFT_ADMIN_PASSWORD or is generated and returned so
 * that it can be shown once.
 */
export async function ensureAdmin(
  db: Db,
  givenPassword: string | undefined,
): Promise<{ created: boolean; password?: string }> {
  return db.transaction().execute(async (trx) => {
    // Two processes starting together on an empty database must not both create an admin.
    await trx.selectFrom('roles').select('id').where('isAdmin', '=', true).forUpdate().execute();
    const anyUser = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (anyUser) return { created: false };
    const password = givenPassword ?? randomPassword();
    const admin = await trx
      .insertInto('users')
      .values({
        username: 'admin',
        firstName: 'Weft',
        lastName: 'Administrator',
        passwordHash: await hashPassword(password),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const role = await trx
      .selectFrom('roles')
      .select('id')
      .where('name', '=', 'Administrator')
      .executeTakeFirstOrThrow();
    await trx.insertInto('userRoles').values({ userId: admin.id, roleId: role.id }).execute();
    return givenPassword ? { created: true } : { created: true, password };
  });
}
