import { sql } from 'kysely';
import type { UserView } from '../../schemas/identity.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../db/errors.ts';
import type { Db } from '../db/index.ts';
import type { User } from '../db/types.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { announceCredentialsEnded } from '../platform/credentials-ended.ts';
import { conflict, invalid, notFound, WeftError } from '../platform/errors.ts';
import { containsPattern, decodeCursor, toPage } from '../platform/pagination.ts';
import type { SettingsService } from '../platform/settings.ts';
import { revokeUserTokens } from './auth.ts';
import type { OwnershipRegistry } from './ownership.ts';
import { hashPassword } from './passwords.ts';

export interface UserInput {
  username?: string;
  password?: string;
  firstName?: string;
  lastName?: string;
  email?: string | null;
  title?: string | null;
  phone?: string | null;
  active?: boolean;
  invisible?: boolean;
  available?: boolean;
  roleIds?: string[];
  groupIds?: string[];
}

const columns = [
  'id',
  'username',
  'firstName',
  'lastName',
  'email',
  'title',
  'phone',
  'active',
  'invisible',
  'available',
  'createdAt',
  'updatedAt',
  'lastLoginAt',
  'invitedAt',
] as const;

async function withMemberships(db: Db, users: Pick<User, (typeof columns)[number]>[]): Promise<UserView[]> {
  if (users.length === 0) return [];
  const ids = users.map((user) => user.id);
  const invited = users.filter((user) => user.invitedAt !== null).map((user) => user.id);
  const [roles, groups, invitations] = await Promise.all([
    db
      .selectFrom('userRoles')
      .innerJoin('roles', 'roles.id', 'userRoles.roleId')
      .select(['userRoles.userId', 'roles.id', 'roles.isAdmin'])
      .where('userRoles.userId', 'in', ids)
      .execute(),
    db.selectFrom('groupMembers').select(['userId', 'groupId']).where('userId', 'in', ids).execute(),
    invited.length === 0
      ? []
      : db
          .selectFrom('userInvitations')
          .select(['userId', 'expiresAt'])
          .where('userId', 'in', invited)
          .where('acceptedAt', 'is', null)
          .where('revokedAt', 'is', null)
          .execute(),
  ]);
  return users.map(({ invitedAt, ...user }) => {
    const own = roles.filter((role) => role.userId === user.id);
    return {
      ...user,
      status: invitedAt ? 'invited' : user.active ? 'active' : 'inactive',
      invitationExpiresAt: invitations.find((invitation) => invitation.userId === user.id)?.expiresAt ?? null,
      isAdmin: own.some((role) => role.isAdmin),
      roleIds: own.map((role) => role.id).sort(),
      groupIds: groups
        .filter((group) => group.userId === user.id)
        .map((group) => group.groupId)
        .sort(),
    };
  });
}

export async function getUser(db: Db, id: string): Promise<UserView> {
  const user = await db.selectFrom('users').select(columns).where('id', '=', id).executeTakeFirst();
  if (!user) throw notFound('User');
  const [view] = await withMemberships(db, [user]);
  if (!view) throw notFound('User');
  return view;
}

export async function listUsers(
  db: Db,
  query: { limit: number; cursor?: string | undefined; q?: string | undefined; active?: boolean | undefined },
) {
  const after = decodeCursor(query.cursor, ['text', 'uuid']);
  let select = db.selectFrom('users').select(columns);
  if (query.q) {
    const pattern = containsPattern(query.q);
    select = select.where((eb) =>
      eb.or([
        eb('username', 'ilike', pattern),
        eb('firstName', 'ilike', pattern),
        eb('lastName', 'ilike', pattern),
        eb('email', 'ilike', pattern),
        eb(sql<string>`first_name || ' ' || last_name`, 'ilike', pattern),
      ]),
    );
  }
  if (query.active !== undefined) select = select.where('active', '=', query.active);
  if (after) {
    select = select.where((eb) =>
      eb(eb.refTuple(sql<string>`lower(username)`, 'id'), '>', eb.tuple(String(after[0]), String(after[1]))),
    );
  }
  const rows = await select
    .orderBy(sql`lower(username)`)
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const page = toPage(rows, query.limit, (row) => [row.username.toLowerCase(), row.id]);
  return { items: await withMemberships(db, page.items), nextCursor: page.nextCursor };
}

async function countActiveAdmins(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .where('active', '=', true)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('userRoles')
          .innerJoin('roles', 'roles.id', 'userRoles.roleId')
          .whereRef('userRoles.userId', '=', 'users.id')
          .where('roles.isAdmin', '=', true),
      ),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every change that could leave Weft without an administrator is checked inside its transaction. */
export async function assertAdminRemains(db: Db): Promise<void> {
  // Serialised: two admins demoting each other at once would each still see the other.
  await sql`select pg_advisory_xact_lock(hashtext('weft.admins'))`.execute(db);
  if ((await countActiveAdmins(db)) === 0) {
    throw new WeftError('UNPROCESSABLE', 'At least one active administrator must remain');
  }
}

/** Active and invited users take a seat: an invitation is a promise of one. */
export async function assertUserLimit(db: Db, settings: SettingsService): Promise<void> {
  const { maxUsers } = await settings.get();
  if (maxUsers === null) return;
  // Serialise concurrent creations so that two requests cannot both take the last seat.
  await sql`select pg_advisory_xact_lock(hashtext('weft.user-limit'))`.execute(db);
  const row = await db
    .selectFrom('users')
    .where((eb) => eb.or([eb('active', '=', true), eb('invitedAt', 'is not', null)]))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (Number(row.n) > maxUsers) {
    throw new WeftError(
      'USER_LIMIT',
      `The user limit (${maxUsers} active or invited users) is reached; deactivate a user or raise the limit`,
    );
  }
}

export async function setMemberships(db: Db, userId: string, input: UserInput): Promise<void> {
  try {
    if (input.roleIds) {
      await db.deleteFrom('userRoles').where('userId', '=', userId).execute();
      if (input.roleIds.length > 0)
        await db
          .insertInto('userRoles')
          .values(input.roleIds.map((roleId) => ({ userId, roleId })))
          .execute();
    }
    if (input.groupIds) {
      await db.deleteFrom('groupMembers').where('userId', '=', userId).execute();
      if (input.groupIds.length > 0)
        await db
          .insertInto('groupMembers')
          .values(input.groupIds.map((groupId) => ({ userId, groupId })))
          .execute();
    }
  } catch (error) {
    if (isForeignKeyViolation(error)) {
      const field = String((error as { constraint?: string }).constraint).includes('role')
        ? 'roleIds'
        : 'groupIds';
      throw invalid(field, 'names a role or group that does not exist');
    }
    throw error;
  }
}

const profileOf = (input: UserInput) => ({
  ...(input.firstName !== undefined && { firstName: input.firstName }),
  ...(input.lastName !== undefined && { lastName: input.lastName }),
  ...(input.email !== undefined && { email: input.email }),
  ...(input.title !== undefined && { title: input.title }),
  ...(input.phone !== undefined && { phone: input.phone }),
  ...(input.invisible !== undefined && { invisible: input.invisible }),
  ...(input.available !== undefined && { available: input.available }),
});

export async function createUser(
  db: Db,
  settings: SettingsService,
  actor: Actor,
  input: UserInput & { username: string; password: string },
): Promise<UserView> {
  const passwordHash = await hashPassword(input.password);
  const id = await db.transaction().execute(async (trx) => {
    let created: { id: string };
    try {
      created = await trx
        .insertInto('users')
        .values({
          username: input.username,
          passwordHash,
          active: input.active ?? true,
          firstName: '',
          lastName: '',
          ...profileOf(input),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict('username', 'is taken');
      throw error;
    }
    const roleIds =
      input.roleIds ??
      (await trx.selectFrom('roles').select('id').where('name', '=', 'User').execute()).map(
        (role) => role.id,
      );
    await setMemberships(trx, created.id, { ...input, roleIds });
    if (input.active !== false) await assertUserLimit(trx, settings);
    await audit(trx, actor, 'user.create', { type: 'user', id: created.id }, { username: input.username });
    return created.id;
  });
  return getUser(db, id);
}

export async function updateUser(
  db: Db,
  settings: SettingsService,
  actor: Actor,
  id: string,
  input: UserInput,
): Promise<UserView> {
  await db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('users')
      .select(['active', 'invitedAt'])
      .where('id', '=', id)
      // Not FOR UPDATE: audit rows take FOR KEY SHARE on their actor, so two admins editing each other would deadlock.
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!before) throw notFound('User');
    if (input.active === true && before.invitedAt)
      throw new WeftError('UNPROCESSABLE', 'An invited user becomes active by accepting the invitation');
    const profile = profileOf(input);
    await trx
      .updateTable('users')
      .set({ ...profile, ...(input.active !== undefined && { active: input.active }), updatedAt: new Date() })
      .where('id', '=', id)
      .execute();
    await setMemberships(trx, id, input);
    if (input.active === false && before.active) {
      // An inactive user is signed out everywhere at once, their API tokens revoked (a
      // reactivated user signs in again and makes new ones), their sockets closed.
      await trx.deleteFrom('sessions').where('userId', '=', id).execute();
      const tokens = await revokeUserTokens(trx, id);
      await announceCredentialsEnded(trx, { users: [id], tokens });
      await audit(trx, actor, 'user.deactivate', { type: 'user', id });
    }
    if (input.active === true && !before.active) {
      await assertUserLimit(trx, settings);
      await audit(trx, actor, 'user.reactivate', { type: 'user', id });
    }
    if (input.active === false || input.roleIds) await assertAdminRemains(trx);
    const changed = Object.keys(input).filter((key) => key !== 'active');
    if (changed.length > 0) await audit(trx, actor, 'user.update', { type: 'user', id }, { fields: changed });
  });
  return getUser(db, id);
}

/**
 * Sets a new password, ends the user's sessions except `keepSessionId` (the caller's own)
 * and revokes all their API tokens.
 */
export async function setPassword(
  db: Db,
  actor: Actor,
  id: string,
  password: string,
  keepSessionId?: string,
): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('users')
      .set({ passwordHash, updatedAt: new Date() })
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw notFound('User');
    let sessions = trx.deleteFrom('sessions').where('userId', '=', id);
    if (keepSessionId) sessions = sessions.where('id', '<>', keepSessionId);
    await sessions.execute();
    // A new password revokes every API token of the user (and the tokens minted from them):
    // whoever held the old password may have made one.
    const tokens = await revokeUserTokens(trx, id);
    await announceCredentialsEnded(trx, {
      users: [id],
      tokens,
      ...(keepSessionId && { keepSession: keepSessionId }),
    });
    await audit(trx, actor, actor.id === id ? 'user.password.change' : 'user.password.reset', {
      type: 'user',
      id,
    });
  });
}

/** Deletes a user after moving everything they own to `reassignTo`, all in one transaction. */
export async function deleteUser(
  db: Db,
  ownership: OwnershipRegistry,
  actor: Actor,
  id: string,
  reassignTo: string,
) {
  if (id === reassignTo) throw invalid('reassignTo', 'must be another user than the one deleted');
  if (id === actor.id) throw new WeftError('UNPROCESSABLE', 'You cannot delete your own user');
  return db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('users')
      .select(['id', 'username'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!user) throw notFound('User');
    const heir = await trx
      .selectFrom('users')
      .select(['id', 'active'])
      .where('id', '=', reassignTo)
      .executeTakeFirst();
    if (!heir) throw invalid('reassignTo', 'is not an existing user');
    if (!heir.active) throw invalid('reassignTo', 'is an inactive user');
    const reassigned = await ownership.reassignAll(trx, id, reassignTo);
    await trx.deleteFrom('users').where('id', '=', id).execute();
    await announceCredentialsEnded(trx, { users: [id] });
    await assertAdminRemains(trx);
    await audit(
      trx,
      actor,
      'user.delete',
      { type: 'user', id },
      { username: user.username, reassignTo, reassigned },
    );
    return { deleted: id, reassignedTo: reassignTo, reassigned };
  });
}
