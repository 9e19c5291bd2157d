import type { FastifyInstance } from 'fastify';
import { routingRoutes } from './routing-routes.ts';

/** Lead routing: each module's rules and their test. */
export async function routingPlugin(app: FastifyInstance) {
  await app.register(routingRoutes, { prefix: '/routing' });
}
