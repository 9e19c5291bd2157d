import type { FastifyInstance } from 'fastify';
import { ensureCampaignQueue } from './delivery-queue.ts';
import { marketingRoutes } from './marketing-routes.ts';
import { trackingRoutes } from './tracking-routes.ts';

/** Marketing: templates, accounts, campaigns, newsletters under /api/marketing; what mail brings back under /api/t (public). */
export async function marketingPlugin(app: FastifyInstance) {
  // Launching a campaign enqueues its first batch: the queue must exist in every process.
  if (app.boss) await ensureCampaignQueue(app.boss);
  await app.register(marketingRoutes, { prefix: '/marketing' });
  await app.register(trackingRoutes, { prefix: '/t' });
}
