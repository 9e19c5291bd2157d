import type { FastifyInstance } from 'fastify';
import { marketingRoutes } from './marketing-routes.ts';
import { trackingRoutes } from './tracking-routes.ts';

/** Marketing: templates, accounts, campaigns, newsletters under /api/marketing; what mail brings back under /api/t (public). */
export async function marketingPlugin(app: FastifyInstance) {
  await app.register(marketingRoutes, { prefix: '/marketing' });
  await app.register(trackingRoutes, { prefix: '/t' });
}
