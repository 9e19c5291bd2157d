import type { FastifyInstance } from 'fastify';
import { demoRoutes } from './demo-routes.ts';
import { exportRoutes } from './exports-routes.ts';
import { importRoutes } from './imports-routes.ts';
import { usersExportRoutes } from './users-export-routes.ts';

/** Data in and out: CSV/XLSX imports with rollback, streamed exports, the users file. */
export async function dataPlugin(app: FastifyInstance) {
  await app.register(importRoutes, { prefix: '/imports' });
  await app.register(exportRoutes, { prefix: '/exports' });
  await app.register(usersExportRoutes, { prefix: '/users' });
  await app.register(demoRoutes, { prefix: '/demo-data' });
}
