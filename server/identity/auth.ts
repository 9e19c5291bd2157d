import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { announceCredentialsEnded } from '../platform/credentials-ended.ts';
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

/** The reason a reserved attempt carries until its password is checked; it counts as a failure meanwhile. */
const checking = 'checking';

/**
 * Failed attempts are counted from the login history itself, so the limit holds across
 * every Weft process sharing the database and survives restarts. Counting and taking a
 * place are one step: under transaction-scoped advisory locks on the username and on the
 * address, the attempt is written as a failure ("checking") before its password is
 * checked, so that 40 parallel attempts cannot all read "4 failures so far" — at most the
 * limit are ever checked. `finishAttempt` then writes the outcome into the same row.
 */
async function reserveAttempt(
  db: Db,
  settings: SettingsService,
  username: string,
  client: Client,
): Promise<string> {
  const { loginMaxFailuresPerUser, loginMaxFailuresPerIp, loginLockoutMinutes } = await settings.get();
  const since = sql<Date>`now() - make_interval(mins => ${loginLockoutMinutes})`;
  const name = username.toLowerCase();
  return db.transaction().execute(async (trx) => {
    // Always the username's lock first, then the address's: no two attempts wait on each other in a cycle.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`weft.login.user:${name}`}, 0))`.execute(trx);
    await sql`select pg_advisory_xact_lock(hashtextextended(${`weft.login.ip:${client.ip ?? ''}`}, 0))`.execute(
      trx,
    );
    const failures = await trx
      .selectFrom('loginHistory')
      .select([
        (eb) => eb.fn.countAll<number>().filterWhere(sql<string>`lower(username)`, '=', name).as('byUser'),
        (eb) =>
          eb.fn
            .countAll<number>()
            .filterWhere('ip', '=', client.ip ?? '')
            .as('byIp'),
      ])
      .where('success', '=', false)
      .where('at', '>', since)
      .where((eb) => eb.or([eb(sql<string>`lower(username)`, '=', name), eb('ip', '=', client.ip ?? '')]))
      .executeTakeFirstOrThrow();
    if (
      Number(failures.byUser) >= loginMaxFailuresPerUser ||
      Number(failures.byIp) >= loginMaxFailuresPerIp
    ) {
      throw new WeftError(
        'RATE_LIMITED',
        `Too many failed sign-in attempts; try again in ${loginLockoutMinutes} minutes`,
        undefined,
        {
          'retry-after': String(loginLockoutMinutes * 60),
        },
      );
    }
    const row = await trx
      .insertInto('loginHistory')
      .values({
        username,
        userId: null,
        success: false,
        reason: checking,
        ip: client.ip,
        userAgent: client.userAgent,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return String(row.id);
  });
}

/** Writes an attempt's outcome into the row `reserveAttempt` wrote. */
async function finishAttempt(
  db: Db,
  attemptId: string,
  outcome: { username: string; userId: string | null; success: boolean; reason: string | null },
) {
  await db.updateTable('loginHistory').set(outcome).where('id', '=', attemptId).execute();
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
  const attemptId = await reserveAttempt(db, settings, username, client);
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
    await finishAttempt(db, attemptId, { username, userId: user?.id ?? null, success: false, reason });
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
    await finishAttempt(trx, attemptId, {
      username: user.username,
      userId: user.id,
      success: true,
      reason: null,
    });
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
    await announceCredentialsEnded(trx, { sessions: [sessionId] });
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

/**
 * A new token for the actor. One minted with another token (`parentTokenId`) is that token's
 * child: revoking the parent revokes it (`revokeApiToken`). The parent is locked while the
 * child is written, so a revocation running at the same moment cannot miss it.
 */
export async function createApiToken(
  db: Db,
  actor: Actor & { id: string },
  name: string,
  parentTokenId: string | null = null,
) {
  const token = secret('weft_');
  const row = await db.transaction().execute(async (trx) => {
    if (parentTokenId) {
      const parent = await trx
        .selectFrom('apiTokens')
        .select('id')
        .where('id', '=', parentTokenId)
        .where('revokedAt', 'is', null)
        .forUpdate()
        .executeTakeFirst();
      if (!parent) throw new WeftError('UNAUTHENTICATED', 'The API token is unknown or revoked');
    }
    const created = await trx
      .insertInto('apiTokens')
      .values({ userId: actor.id, name, tokenHash: sha256(token), parentTokenId })
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

/** Revokes a token and every token minted from it, at any depth; their sockets close at once. */
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
    const children = await revokeDescendants(trx, [tokenId]);
    await announceCredentialsEnded(trx, { tokens: [tokenId, ...children] });
    await audit(
      trx,
      actor,
      'token.revoke',
      { type: 'token', id: tokenId },
      {
        ...(children.length > 0 && { children: children.length }),
      },
    );
  });
}

/** Revokes the descendants of the given tokens (not the tokens themselves); answers their ids. */
async function revokeDescendants(trx: Db, tokenIds: string[]): Promise<string[]> {
  if (tokenIds.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    with recursive descendants (id) as (
      select id from api_tokens where parent_token_id = any(${tokenIds}::uuid[])
      union
      select child.id from api_tokens child join descendants on child.parent_token_id = descendants.id
    )
    update api_tokens set revoked_at = now()
    where id in (select id from descendants) and revoked_at is null
    returning id
  `.execute(trx);
  return rows.map((row) => row.id);
}

/**
 * Revokes every live token of a user (and their children, whoever holds them): a password
 * reset, the user's own password change and a deactivation do this. Answers the ids revoked.
 */
export async function revokeUserTokens(trx: Db, userId: string): Promise<string[]> {
  const own = await trx
    .updateTable('apiTokens')
    .set({ revokedAt: new Date() })
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .returning('id')
    .execute();
  const ids = own.map((row) => row.id);
  const children = await revokeDescendants(trx, ids);
  return [...ids, ...children];
}
