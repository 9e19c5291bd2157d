import type { App } from '../../server/app.ts';
import type { Db } from '../../server/db/index.ts';
import type { PermissionMatrix } from '../../server/db/types.ts';
import { login, type Session } from './app.ts';

const password = 'password-for-tests';

/**
 * Signs in a new user made by the admin: with the standard "User" role, or with a role
 * of the given permissions.
 */
export async function signedInUser(
  app: App,
  db: Db,
  admin: Session,
  username: string,
  permissions?: PermissionMatrix,
): Promise<Session> {
  let roleId: string;
  if (permissions) {
    const role = await admin.request('POST', '/api/roles', { name: `${username}-role`, permissions });
    roleId = role.json<{ id: string }>().id;
  } else {
    roleId = (await db.selectFrom('roles').select('id').where('name', '=', 'User').executeTakeFirstOrThrow())
      .id;
  }
  const created = await admin.request('POST', '/api/users', { username, password, roleIds: [roleId] });
  if (created.statusCode !== 201)
    throw new Error(`creating ${username}: ${created.statusCode} ${created.body}`);
  return login(app, username, password);
}
