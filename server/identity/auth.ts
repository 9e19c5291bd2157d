import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { notFound, WeftError } from '../platform/errors.ts';
import { emitEvent } from '../platform/events.ts';
import type { SettingsService } from '../platform/settings.ts';
import { verifyAgainstDummy, verifyPassword } from './passwords.ts';

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const secret = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;

export interface Client {
  ip: string | null;
  userAgent: string | null;
}

async function recordAttempt(
  db: Db,
  username: string,
  userId: string | null,
  success: boolean,
  reason: string | null,
  client: Client,
) {
  await db
    .insertInto('loginHistory')
    .values({ username, userId, success, reason, ip: client.ip, userAgent: client.userAgent })
    .execute();
}

/**
 * Failed attempts are counted from the login history itself, so the limit holds across
 * every Weft process sharing the database and survives restarts.
 */
async function assertNotRateLimited(db: Db, settings: SettingsService, username: string, client: Client) {
  const { loginMaxFailuresPerUser, loginMaxFailuresPerIp, loginLockoutMinutes } = await settings.get();
  const since = sql<Date>`now() - make_interval(mins => ${loginLockoutMinutes})`;
  const failures = await db
    .selectFrom('loginHistory')
    .select([
      (eb) =>
        eb.fn
          .countAll<number>()
          .filterWhere(sql<string>`lower(username)`, '=', username.toLowerCase())
          .as('byUser'),
      (eb) =>
        eb.fn
          .countAll<number>()
          .filterWhere('ip', '=', client.ip ?? '')
          .as('byIp'),
    ])
    .where('success', '=', false)
    .where('at', '>', since)
    .where((eb) =>
      eb.or([eb(sql<string>`lower(username)`, '=', username.toLowerCase()), eb('ip', '=', client.ip ?? '')]),
    )
    .executeTakeFirstOrThrow();
  if (Number(failures.byUser) >= loginMaxFailuresPerUser || Number(failures.byIp) >= loginMaxFailuresPerIp) {
    throw new WeftError(
      'RATE_LIMITED',
      `Too many failed sign-in attempts; try again in ${loginLockoutMinutes} minutes`,
      undefined,
      {
        'retry-after': String(loginLockoutMinutes * 60),
      },
    );
  }
}

export interface NewSession {
  token: string;
  sessionId: string;
  csrfToken: string;
  userId: string;
}

export async function login(
  db: Db,
  settings: SettingsService,
  username: string,
  password: string,
  client: Client,
): Promise<NewSession> {
  await assertNotRateLimited(db, settings, username, client);
  const user = await db
    .selectFrom('users')
    .select(['id', 'username', 'passwordHash', 'active'])
    .where(sql<string>`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
  const valid = user?.passwordHash
    ? await verifyPassword(password, user.passwordHash)
    : await verifyAgainstDummy(password);
  if (!user || !valid || !user.active) {
    const reason = !user ? 'unknown user' : !valid ? 'wrong password' : 'inactive user';
    await recordAttempt(db, username, user?.id ?? null, false, reason, client);
    throw new WeftError('INVALID_CREDENTIALS', 'Wrong username or password');
  }
  const token = secret('');
  const csrfToken = randomBytes(24).toString('base64url');
  const sessionId = sha256(token);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sessions')
      .values({ id: sessionId, userId: user.id, csrfToken, ip: client.ip, userAgent: client.userAgent })
      .execute();
    await trx.updateTable('users').set({ lastLoginAt: new Date() }).where('id', '=', user.id).execute();
    await recordAttempt(trx, user.username, user.id, true, null, client);
    await emitEvent(trx, sessionEvent('user.signedIn', user));
  });
  return { token, sessionId, csrfToken, userId: user.id };
}

/** Flows may start on sign-in and sign-out (X2CRM's user login / logout triggers). */
function sessionEvent(type: 'user.signedIn' | 'user.signedOut', user: { id: string; username: string }) {
  return { type, module: null, recordId: null, payload: { username: user.username }, actorId: user.id };
}

export interface SessionInfo {
  sessionId: string;
  userId: string;
  csrfToken: string;
}

/** Finds a live session for a cookie value; an idle one is deleted. Activity is noted at most once a minute. */
export async function resolveSession(
  db: Db,
  settings: SettingsService,
  token: string,
): Promise<SessionInfo | undefined> {
  const id = sha256(token);
  const { sessionTimeoutMinutes } = await settings.get();
  const session = await db
    .selectFrom('sessions')
    .select(['id', 'userId', 'csrfToken', 'lastSeenAt'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!session) return undefined;
  const idleMs = Date.now() - session.lastSeenAt.getTime();
  if (idleMs > sessionTimeoutMinutes * 60_000) {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
    return undefined;
  }
  if (idleMs > 60_000)
    await db.updateTable('sessions').set({ lastSeenAt: new Date() }).where('id', '=', id).execute();
  return { sessionId: session.id, userId: session.userId, csrfToken: session.csrfToken };
}

/**
 * Ends a session; with `ownerId`, only one of that user's. Signing out is not audited, an
 * administrator ending someone else's session is.
 */
export async function endSession(db: Db, sessionId: string, by?: { actor: Actor; ownerId?: string }) {
  await db.transaction().execute(async (trx) => {
    let query = trx.deleteFrom('sessions').where('id', '=', sessionId);
    if (by?.ownerId) query = query.where('userId', '=', by.ownerId);
    const ended = await query.returning('userId').executeTakeFirst();
    if (!ended) throw notFound('Session');
    const user = await trx
      .selectFrom('users')
      .select(['id', 'username'])
      .where('id', '=', ended.userId)
      .executeTakeFirstOrThrow();
    await emitEvent(trx, sessionEvent('user.signedOut', user));
    if (by && ended.userId !== by.actor.id)
      await audit(trx, by.actor, 'session.end', { type: 'session', id: sessionId }, { userId: ended.userId });
  });
}

/** Live sessions only: one idle past the timeout is dead even before its next request deletes it. */
export async function listSessions(db: Db, settings: SettingsService, userId?: string) {
  const { sessionTimeoutMinutes } = await settings.get();
  let query = db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.userId')
    .select([
      'sessions.id',
      'sessions.userId',
      'users.username',
      'sessions.ip',
      'sessions.userAgent',
      'sessions.createdAt',
      'sessions.lastSeenAt',
    ])
    .where('sessions.lastSeenAt', '>', sql<Date>`now() - make_interval(mins => ${sessionTimeoutMinutes})`)
    .orderBy('sessions.lastSeenAt', 'desc');
  if (userId) query = query.where('sessions.userId', '=', userId);
  return query.execute();
}

export async function createApiToken(db: Db, actor: Actor & { id: string }, name: string) {
  const token = secret('weft_');
  const row = await db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('apiTokens')
      .values({ userId: actor.id, name, tokenHash: sha256(token) })
      .returning(['id', 'name', 'createdAt'])
      .executeTakeFirstOrThrow();
    await audit(trx, actor, 'token.create', { type: 'token', id: created.id }, { name });
    return created;
  });
  return { ...row, token };
}

export async function resolveApiToken(
  db: Db,
  token: string,
): Promise<{ tokenId: string; userId: string } | undefined> {
  const row = await db
    .selectFrom('apiTokens')
    .select(['id', 'userId', 'lastUsedAt'])
    .where('tokenHash', '=', sha256(token))
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  // Noted at most once a minute: a busy script should not turn every read into a write.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.updateTable('apiTokens').set({ lastUsedAt: new Date() }).where('id', '=', row.id).execute();
  }
  return { tokenId: row.id, userId: row.userId };
}

export async function listApiTokens(db: Db, userId: string) {
  return db
    .selectFrom('apiTokens')
    .select(['id', 'name', 'createdAt', 'lastUsedAt', 'revokedAt'])
    .where('userId', '=', userId)
    .orderBy('createdAt', 'desc')
    .execute();
}

export async function revokeApiToken(db: Db, actor: Actor, tokenId: string, ownerId: string | null) {
  await db.transaction().execute(async (trx) => {
    let query = trx
      .updateTable('apiTokens')
      .set({ revokedAt: new Date() })
      .where('id', '=', tokenId)
      .where('revokedAt', 'is', null);
    if (ownerId) query = query.where('userId', '=', ownerId);
    const result = await query.executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw notFound('Token');
    await audit(trx, actor, 'token.revoke', { type: 'token', id: tokenId });
  });
}
