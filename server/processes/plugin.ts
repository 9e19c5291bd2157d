import type { FastifyInstance } from 'fastify';
import { processRoutes } from './processes-routes.ts';
import { recordProcessRoutes } from './record-processes-routes.ts';

/** Processes: definitions, records' progress through them, the board and the funnel. */
export async function processesPlugin(app: FastifyInstance) {
  await app.register(processRoutes, { prefix: '/processes' });
  await app.register(recordProcessRoutes, { prefix: '/records' });
}
