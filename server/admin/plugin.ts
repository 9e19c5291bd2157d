import type { FastifyInstance } from 'fastify';
import { dedupeRoutes } from './dedupe-routes.ts';

/** Admin tools over records: duplicates, merge and revert, missing records. */
export async function adminPlugin(app: FastifyInstance) {
  await app.register(dedupeRoutes, { prefix: '/dedupe' });
}
