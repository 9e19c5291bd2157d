import { requireAdmin } from '../platform/authz.ts';
import { principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { exportUsers } from './user-export.ts';

const tags = ['users'];

/** `GET /api/users/export`: the users import's file, served by the data feature (it owns both). */
export const usersExportRoutes: RoutePlugin = async (app) => {
  app.get(
    '/export',
    {
      schema: { tags, summary: "Every user as CSV, in the users import's columns; never passwords (admin)" },
    },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      const csv = exportUsers(app.db);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csv.fileName}"`)
        .send(csv.body);
    },
  );
};
