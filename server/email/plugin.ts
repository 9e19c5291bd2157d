import type { FastifyInstance } from 'fastify';
import { emailRoutes } from './email-routes.ts';

/** Email: the outbox and a test message. */
export async function emailPlugin(app: FastifyInstance) {
  await app.register(emailRoutes, { prefix: '/email' });
}
