import type { FastifyInstance } from 'fastify';
import { feedRoutes } from './feed-routes.ts';
import { notificationRoutes } from './notifications-routes.ts';
import { wsRoutes } from './ws-routes.ts';

/** Collaboration: the activity feed, notifications and the live WebSocket. */
export async function collaborationPlugin(app: FastifyInstance) {
  await app.register(feedRoutes, { prefix: '/feed' });
  await app.register(notificationRoutes, { prefix: '/notifications' });
  await app.register(wsRoutes);
}
