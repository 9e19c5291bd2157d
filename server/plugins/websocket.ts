import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { liveChannel } from '../collaboration/live.ts';
import { LiveHub } from '../collaboration/live-hub.ts';
import { LiveListener } from '../collaboration/live-listener.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This process's WebSockets; collaboration/ws-routes.ts adds them, the LISTEN connection feeds them. */
    live: LiveHub;
  }
}

export interface WebsocketPluginOptions {
  /** The database to LISTEN on; without it the WebSocket accepts connections but pushes nothing. */
  databaseUrl?: string | undefined;
}

const heartbeatMs = 30_000;

/**
 * WebSocket support and live push: @fastify/websocket (registered before any route, as
 * it must be), the hub of this process's sockets, and its dedicated LISTEN connection,
 * opened here and closed with the app.
 */
export const websocketPlugin = fp(
  async (app: FastifyInstance, options: WebsocketPluginOptions) => {
    // Clients only listen; a small limit keeps a misbehaving one from holding memory.
    await app.register(websocket, { options: { maxPayload: 4096 } });
    const hub = new LiveHub();
    app.decorate('live', hub);

    if (options.databaseUrl) {
      const listener = new LiveListener({
        connectionString: options.databaseUrl,
        channel: liveChannel,
        onPayload: (payload) => hub.deliver(payload),
        // Whatever was pushed while the connection was down is lost: tell clients to refetch.
        onReconnect: () => hub.broadcast('live.resync', {}),
        onError: (error) => app.log.warn({ err: error }, 'live push: LISTEN connection lost; reconnecting'),
      });
      await listener.start();
      app.addHook('onClose', () => listener.close());
    }

    const timer = setInterval(() => {
      hub.heartbeat(app.db, app.settings).catch((error: unknown) => {
        app.log.error({ err: error }, 'live push: heartbeat failed');
      });
    }, heartbeatMs);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'weft-websocket' },
);
