import type { FastifyInstance } from 'fastify';
import { dropdownRoutes } from './dropdowns-routes.ts';
import { fieldPermissionRoutes } from './field-permissions-routes.ts';
import { layoutRoutes } from './layouts-routes.ts';
import { moduleRoutes } from './modules-routes.ts';

/** Studio: modules and their fields, dropdowns and layouts. */
export async function studioPlugin(app: FastifyInstance) {
  await app.register(moduleRoutes, { prefix: '/modules' });
  await app.register(dropdownRoutes, { prefix: '/dropdowns' });
  await app.register(layoutRoutes, { prefix: '/modules/:module/layouts' });
  await app.register(fieldPermissionRoutes, { prefix: '/roles' });
}
