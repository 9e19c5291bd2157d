import type { FastifyInstance } from 'fastify';
import { searchRoutes } from './search-routes.ts';

/** Search: one query across records of the modules a user may view, and flows. */
export async function searchPlugin(app: FastifyInstance) {
  await app.register(searchRoutes, { prefix: '/search' });
}
