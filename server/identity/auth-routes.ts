import { sql } from 'kysely';
import { idParams, listQuery } from '../../schemas/common.ts';
import { loginBody, tokenBody } from '../../schemas/identity.ts';
import { requireAdmin } from '../platform/authz.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';
import { actorOf, principalOf, sessionCookie, setSessionCookie } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { createApiToken, endSession, listApiTokens, listSessions, login, revokeApiToken } from './auth.ts';
import { getUser } from './users.ts';

const tags = ['auth'];
const sessionParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
  required: ['id'],
  additionalProperties: false,
} as const;

export const authRoutes: RoutePlugin = async (app) => {
  app.post(
    '/login',
    {
      config: { public: true },
      schema: { tags, summary: 'Sign in; sets the session cookie', security: [], body: loginBody },
    },
    async (request, reply) => {
      const client = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
      const session = await login(app.db, app.settings, request.body.username, request.body.password, client);
      setSessionCookie(request, reply, session.token);
      return { user: await getUser(app.db, session.userId), csrfToken: session.csrfToken };
    },
  );

  app.post('/logout', { schema: { tags, summary: 'End the current session' } }, async (request, reply) => {
    if (request.sessionInfo) await endSession(app.db, request.sessionInfo.sessionId);
    reply.clearCookie(sessionCookie, { path: '/' });
    return reply.code(204).send();
  });

  app.get(
    '/sessions',
    {
      schema: {
        tags,
        summary: "Active sessions: your own, or everyone's with ?all=true (admins)",
        querystring: {
          type: 'object',
          properties: { all: { type: 'boolean', default: false } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (request.query.all) requireAdmin(principal);
      const sessions = await listSessions(app.db, app.settings, request.query.all ? undefined : principal.id);
      return {
        items: sessions.map((session) => ({
          ...session,
          current: session.id === request.sessionInfo?.sessionId,
        })),
        nextCursor: null,
      };
    },
  );

  app.delete(
    '/sessions/:id',
    { schema: { tags, summary: 'End a session (your own, or any as admin)', params: sessionParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      await endSession(app.db, request.params.id, {
        actor: actorOf(request),
        ...(!principal.isAdmin && { ownerId: principal.id }),
      });
      return reply.code(204).send();
    },
  );

  app.get(
    '/login-history',
    {
      schema: {
        tags,
        summary: "Sign-in attempts: your own, or everyone's (admins)",
        querystring: {
          ...listQuery,
          properties: { ...listQuery.properties, username: { type: 'string', maxLength: 64 } },
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const after = decodeCursor(request.query.cursor, ['integer']);
      let query = app.db
        .selectFrom('loginHistory')
        .select(['id', 'at', 'username', 'userId', 'success', 'reason', 'ip', 'userAgent'])
        .orderBy('id', 'desc')
        .limit(request.query.limit + 1);
      if (!principal.isAdmin) query = query.where('userId', '=', principal.id);
      else if (request.query.username)
        query = query.where(sql<string>`lower(username)`, '=', request.query.username.toLowerCase());
      if (after) query = query.where('id', '<', String(after[0]));
      const rows = await query.execute();
      // Users see whether their own attempts succeeded, not which part of a failure was wrong.
      const visible = principal.isAdmin ? rows : rows.map((row) => ({ ...row, reason: null }));
      return toPage(visible, request.query.limit, (row) => [row.id]);
    },
  );

  app.post(
    '/tokens',
    { schema: { tags, summary: 'Create an API token (shown once)', body: tokenBody } },
    async (request, reply) => {
      const created = await createApiToken(
        app.db,
        actorOf(request),
        request.body.name,
        request.apiTokenId ?? null,
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/tokens',
    { schema: { tags, summary: 'Your API tokens (never their secrets)' } },
    async (request) => ({
      items: await listApiTokens(app.db, principalOf(request).id),
      nextCursor: null,
    }),
  );

  app.delete(
    '/tokens/:id',
    { schema: { tags, summary: 'Revoke an API token', params: idParams } },
    async (request, reply) => {
      const principal = principalOf(request);
      await revokeApiToken(
        app.db,
        actorOf(request),
        request.params.id,
        principal.isAdmin ? null : principal.id,
      );
      return reply.code(204).send();
    },
  );
};
