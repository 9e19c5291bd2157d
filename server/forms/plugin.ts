import type { FastifyInstance } from 'fastify';
import { ensureFormQueue } from './form-process.ts';
import { formRoutes } from './forms-routes.ts';
import { publicFormRoutes } from './public-forms-routes.ts';

/** Web forms: the builder's API (`/api/forms`) and the public pages and submissions (`/api/public`). */
export async function formsPlugin(app: FastifyInstance) {
  if (app.boss) await ensureFormQueue(app.boss);
  await app.register(formRoutes, { prefix: '/forms' });
  await app.register(publicFormRoutes, { prefix: '/public' });
}
