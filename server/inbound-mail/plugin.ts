import type { FastifyInstance } from 'fastify';
import { inboundMailRoutes } from './mail-routes.ts';

/** Email capture: dropbox settings, IMAP mailboxes, captured messages, a record's emails (`/api/inbound-mail`). */
export async function inboundMailPlugin(app: FastifyInstance) {
  await app.register(inboundMailRoutes, { prefix: '/inbound-mail' });
}
