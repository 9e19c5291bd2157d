import type { FastifyRequest } from 'fastify';
import { forbidden } from '../platform/errors.ts';
import { principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { unreadCount } from './notifications.ts';

/**
 * Browsers send cookies on cross-site WebSocket handshakes and no CSRF header can be
 * added to one, so a handshake from another site's page is refused by its Origin.
 */
async function refuseForeignOrigin(request: FastifyRequest) {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    // an unparseable origin, "null" included, is foreign
  }
  if (host !== request.headers.host) throw forbidden('WebSocket connections from another origin are refused');
}

/**
 * `GET /api/ws`: the live channel. Authenticated like every route (session cookie or
 * bearer token). The server sends JSON `{ type, data }`: first `ready` (with the unread
 * count), then `notification.created|read|cleared`, `feed.post.created`,
 * `feed.comment.created`, and `live.resync` when pushes may have been missed.
 */
export const wsRoutes: RoutePlugin = async (app) => {
  app.get(
    '/ws',
    { websocket: true, onRequest: refuseForeignOrigin, schema: { tags: ['live'], summary: 'Live push' } },
    async (socket, request) => {
      const principal = principalOf(request);
      const sessionId = request.sessionInfo?.sessionId;
      app.live.add(socket, principal, sessionId ? { sessionId } : { apiTokenId: request.apiTokenId ?? '' });
      const count = await unreadCount(app.db, principal.id);
      socket.send(JSON.stringify({ type: 'ready', data: { userId: principal.id, unreadCount: count } }));
    },
  );
};
