import type { FastifyInstance } from 'fastify';
import { outboundHookRoutes } from './hooks-routes.ts';

/** Outbound hooks: subscriptions and their delivery logs (`/api/outbound-hooks`). */
export async function hooksPlugin(app: FastifyInstance) {
  await app.register(outboundHookRoutes, { prefix: '/outbound-hooks' });
}
