import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { resolveApiToken, resolveSession, type SessionInfo } from '../identity/auth.ts';
import type { Actor } from '../platform/audit.ts';
import { loadPrincipal, type Principal } from '../platform/authz.ts';
import { WeftError } from '../platform/errors.ts';

export const sessionCookie = 'weft_session';

/** Hands a new session to the browser (sign-in, accepting an invitation). */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string) {
  reply.setCookie(sessionCookie, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a session or token; the public list is tested. */
    public?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** Set when the caller authenticated with the session cookie (not a bearer token). */
    sessionInfo: SessionInfo | null;
    /** Set when the caller authenticated with a bearer token. */
    apiTokenId: string | null;
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The authenticated principal of a route that is not public (the hook guarantees one). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new WeftError('UNAUTHENTICATED', 'Sign in or send an API token');
  return request.principal;
}

export function actorOf(request: FastifyRequest): Actor & { id: string } {
  const principal = principalOf(request);
  return { id: principal.id, username: principal.username, ip: request.ip };
}

/**
 * Resolves the caller from `Authorization: Bearer <token>` or the session cookie on every
 * request, and refuses non-public routes without one. Cookie-authenticated requests that
 * change state must echo the session's CSRF token in `x-csrf-token`.
 */
export const authPlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionInfo', null);
  app.decorateRequest('apiTokenId', null);

  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    // Public routes (sign-in, health, inbound webhooks) act for nobody, so no credential is read there.
    if (request.routeOptions.config?.public === true) return;
    const authorization = request.headers.authorization;
    let userId: string | undefined;
    if (authorization !== undefined) {
      const [scheme, token] = authorization.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token) {
        throw new WeftError('UNAUTHENTICATED', 'Authorization must be "Bearer <token>"');
      }
      const resolved = await resolveApiToken(app.db, token);
      if (!resolved) throw new WeftError('UNAUTHENTICATED', 'The API token is unknown or revoked');
      request.apiTokenId = resolved.tokenId;
      userId = resolved.userId;
    } else {
      const cookie = request.cookies[sessionCookie];
      const session = cookie ? await resolveSession(app.db, app.settings, cookie) : undefined;
      if (session) {
        if (!safeMethods.has(request.method)) {
          const given = request.headers['x-csrf-token'];
          if (typeof given !== 'string' || !sameSecret(given, session.csrfToken)) {
            throw new WeftError('CSRF', 'Send the x-csrf-token header you got at sign-in');
          }
        }
        request.sessionInfo = session;
        userId = session.userId;
      }
    }
    request.principal = userId ? ((await loadPrincipal(app.db, userId)) ?? null) : null;
    if (!request.principal) throw new WeftError('UNAUTHENTICATED', 'Sign in or send an API token');
  });
});
