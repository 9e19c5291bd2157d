import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { UserView } from '../../schemas/identity.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Db } from '../db/index.ts';
import { queueEmail } from '../email/email.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { conflict, invalid, notFound, WeftError } from '../platform/errors.ts';
import type { SettingsService } from '../platform/settings.ts';
import { type Client, sha256 } from './auth.ts';
import { hashPassword } from './passwords.ts';
import { assertUserLimit, getUser, setMemberships } from './users.ts';

/**
 * Invite by email: the user is created inactive, without a password, marked `invited_at`,
 * with a single-use link mailed through the outbox. Accepting sets the password and
 * activates them. The link's token is stored as its sha256 only.
 */

export const invitationTtlMs = 7 * 24 * 60 * 60 * 1000;

/** Failed look-ups are written to the login history under this name (no real username has parentheses). */
const probeName = '(invitation)';

export interface InvitationInput {
  email: string;
  username?: string;
  firstName?: string;
  lastName?: string;
  roleIds?: string[];
  groupIds?: string[];
}

/** A username from an address: its characters that a username may hold, starting with a letter or digit. */
export function usernameFromEmail(email: string): string {
  const name = email
    .toLowerCase()
    .replace(/[^a-z0-9._@-]/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
  return name.length >= 2 ? name : `user-${name}`.slice(0, 64);
}

async function issue(
  trx: Db,
  boss: PgBoss | null,
  settings: SettingsService,
  actor: Actor,
  user: { id: string; email: string; firstName: string },
  baseUrl: string,
): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  const invitation = await trx
    .insertInto('userInvitations')
    .values({
      userId: user.id,
      tokenHash: sha256(token),
      createdBy: actor.id,
      expiresAt: new Date(Date.now() + invitationTtlMs),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const current = await settings.get();
  const link = `${baseUrl.replace(/\/+$/, '')}/invite/${token}`;
  const inviter = actor.username ?? 'An administrator';
  await queueEmail(trx, boss, current, {
    // From the notification sender of the settings (the system sender when none is chosen).
    from: { role: 'notification' },
    to: user.email,
    subject: `You are invited to ${current.appName}`,
    text: [
      `Hello${user.firstName ? ` ${user.firstName}` : ''},`,
      '',
      `${inviter} invited you to ${current.appName}. Choose your password here:`,
      '',
      link,
      '',
      `The link works once and expires in ${Math.round(invitationTtlMs / 86_400_000)} days.`,
    ].join('\n'),
    idempotencyKey: `invitation:${invitation.id}`,
  });
}

export async function inviteUser(
  db: Db,
  boss: PgBoss | null,
  settings: SettingsService,
  actor: Actor,
  input: InvitationInput,
  baseUrl: string,
): Promise<UserView> {
  const email = input.email.trim();
  const username = input.username ?? usernameFromEmail(email);
  const id = await db.transaction().execute(async (trx) => {
    const taken = await trx
      .selectFrom('users')
      .select('id')
      .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      .executeTakeFirst();
    if (taken) throw conflict('email', 'belongs to an existing user');
    let created: { id: string };
    try {
      created = await trx
        .insertInto('users')
        .values({
          username,
          email,
          firstName: input.firstName ?? '',
          lastName: input.lastName ?? '',
          passwordHash: null,
          active: false,
          invitedAt: new Date(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict(
          'username',
          input.username ? 'is taken' : `${username} is taken: give another username`,
        );
      throw error;
    }
    const roleIds =
      input.roleIds ??
      (await trx.selectFrom('roles').select('id').where('name', '=', 'User').execute()).map(
        (role) => role.id,
      );
    await setMemberships(trx, created.id, { roleIds, ...(input.groupIds && { groupIds: input.groupIds }) });
    await assertUserLimit(trx, settings);
    await issue(
      trx,
      boss,
      settings,
      actor,
      { id: created.id, email, firstName: input.firstName ?? '' },
      baseUrl,
    );
    await audit(trx, actor, 'user.invite', { type: 'user', id: created.id }, { username, email });
    return created.id;
  });
  return getUser(db, id);
}

/** A new link for an invited user; every earlier one stops working. */
export async function resendInvitation(
  db: Db,
  boss: PgBoss | null,
  settings: SettingsService,
  actor: Actor,
  userId: string,
  baseUrl: string,
): Promise<UserView> {
  await db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('users')
      .select(['id', 'email', 'firstName', 'invitedAt'])
      .where('id', '=', userId)
      .forNoKeyUpdate()
      .executeTakeFirst();
    if (!user) throw notFound('User');
    if (!user.invitedAt) throw new WeftError('UNPROCESSABLE', 'The user is not waiting on an invitation');
    if (!user.email) throw invalid('email', 'is not set: give the user an email address first');
    await trx
      .updateTable('userInvitations')
      .set({ revokedAt: new Date() })
      .where('userId', '=', userId)
      .where('acceptedAt', 'is', null)
      .where('revokedAt', 'is', null)
      .execute();
    await issue(
      trx,
      boss,
      settings,
      actor,
      { id: user.id, email: user.email, firstName: user.firstName },
      baseUrl,
    );
    await audit(trx, actor, 'user.invite.resend', { type: 'user', id: userId });
  });
  return getUser(db, userId);
}

/**
 * Guessing a token is hopeless (256 bits), but a client that keeps trying is refused like
 * one that keeps failing to sign in: the same per-address count over the login history.
 */
async function assertNotProbing(db: Db, settings: SettingsService, client: Client) {
  const { loginMaxFailuresPerIp, loginLockoutMinutes } = await settings.get();
  const row = await db
    .selectFrom('loginHistory')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('success', '=', false)
    .where('ip', '=', client.ip ?? '')
    .where('at', '>', sql<Date>`now() - make_interval(mins => ${loginLockoutMinutes})`)
    .executeTakeFirstOrThrow();
  if (Number(row.n) >= loginMaxFailuresPerIp)
    throw new WeftError(
      'RATE_LIMITED',
      `Too many failed attempts; try again in ${loginLockoutMinutes} minutes`,
      undefined,
      { 'retry-after': String(loginLockoutMinutes * 60) },
    );
}

/** The failed look-up of an unknown token is noted (outside any transaction it rolled back) for the count above. */
async function notingProbes<T>(db: Db, client: Client, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof WeftError && error.kind === 'NOT_FOUND')
      await db
        .insertInto('loginHistory')
        .values({
          username: probeName,
          userId: null,
          success: false,
          reason: 'unknown invitation',
          ip: client.ip,
          userAgent: client.userAgent,
        })
        .execute();
    throw error;
  }
}

/** The invitation a token names, if it can still be accepted; a 404 or a 410 saying why not. */
async function openInvitation(db: Db, token: string, lock: boolean) {
  let query = db
    .selectFrom('userInvitations')
    .innerJoin('users', 'users.id', 'userInvitations.userId')
    .select([
      'userInvitations.id',
      'userInvitations.userId',
      'userInvitations.expiresAt',
      'userInvitations.acceptedAt',
      'userInvitations.revokedAt',
      'users.username',
      'users.firstName',
      'users.lastName',
      'users.email',
      'users.invitedAt',
    ])
    .where('userInvitations.tokenHash', '=', sha256(token));
  if (lock) query = query.forUpdate('userInvitations');
  const invitation = await query.executeTakeFirst();
  if (!invitation) throw new WeftError('NOT_FOUND', 'No such invitation: check that the link is complete');
  if (invitation.acceptedAt || !invitation.invitedAt)
    throw new WeftError(
      'GONE',
      'This invitation was already accepted: sign in with your username and password',
    );
  if (invitation.revokedAt)
    throw new WeftError(
      'GONE',
      'This invitation was replaced by a newer one: use the link in the latest email',
    );
  if (invitation.expiresAt.getTime() <= Date.now())
    throw new WeftError('GONE', 'This invitation has expired: ask an administrator to send a new one');
  return invitation;
}

export async function describeInvitation(db: Db, settings: SettingsService, token: string, client: Client) {
  await assertNotProbing(db, settings, client);
  const invitation = await notingProbes(db, client, () => openInvitation(db, token, false));
  return {
    username: invitation.username,
    firstName: invitation.firstName,
    lastName: invitation.lastName,
    email: invitation.email ?? '',
    appName: (await settings.get()).appName,
    expiresAt: invitation.expiresAt,
  };
}

/**
 * Sets the password (and the username, if the invitee chose another), activates the user
 * and uses up the token, in one transaction. Answers the username to sign in with.
 */
export async function acceptInvitation(
  db: Db,
  settings: SettingsService,
  token: string,
  input: { password: string; username?: string | undefined },
  client: Client,
): Promise<{ userId: string; username: string }> {
  await assertNotProbing(db, settings, client);
  const passwordHash = await hashPassword(input.password);
  return notingProbes(db, client, () =>
    db.transaction().execute(async (trx) => {
      // The user first, then the invitation: the order a resend locks them in.
      const found = await openInvitation(trx, token, false);
      await trx.selectFrom('users').select('id').where('id', '=', found.userId).forNoKeyUpdate().execute();
      const invitation = await openInvitation(trx, token, true);
      const username = input.username ?? invitation.username;
      try {
        await trx
          .updateTable('users')
          .set({ username, passwordHash, active: true, invitedAt: null, updatedAt: new Date() })
          .where('id', '=', invitation.userId)
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict('username', 'is taken');
        throw error;
      }
      await trx
        .updateTable('userInvitations')
        .set({ acceptedAt: new Date() })
        .where('id', '=', invitation.id)
        .execute();
      await assertUserLimit(trx, settings);
      await audit(
        trx,
        { id: invitation.userId, username, ip: client.ip },
        'user.invite.accept',
        { type: 'user', id: invitation.userId },
        username === invitation.username ? null : { username },
      );
      return { userId: invitation.userId, username };
    }),
  );
}
