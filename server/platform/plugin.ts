import type { FastifyInstance } from 'fastify';
import { auditRoutes } from './audit-routes.ts';
import { brandingRoutes } from './branding-routes.ts';
import { healthRoutes } from './health-routes.ts';
import { settingsRoutes } from './settings-routes.ts';

/** The platform under every feature: health, system settings and the audit log. */
export async function platformPlugin(app: FastifyInstance) {
  await app.register(healthRoutes);
  await app.register(settingsRoutes, { prefix: '/settings' });
  await app.register(auditRoutes, { prefix: '/audit' });
  await app.register(brandingRoutes, { prefix: '/branding' });
}
