import type { FastifyInstance } from 'fastify';
import { allDataRoutes } from './all-data-routes.ts';
import { demoRoutes } from './demo-routes.ts';
import { exportRoutes } from './exports-routes.ts';
import { importRoutes } from './imports-routes.ts';
import { usersExportRoutes } from './users-export-routes.ts';

/** Data in and out: CSV/XLSX imports with rollback, streamed exports, the users file. */
export async function dataPlugin(app: FastifyInstance) {
  await app.register(importRoutes, { prefix: '/imports' });
  await app.register(exportRoutes, { prefix: '/exports' });
  await app.register(allDataRoutes, { prefix: '/all-data' });
  await app.register(usersExportRoutes, { prefix: '/users' });
  await app.register(demoRoutes, { prefix: '/demo-data' });
}
