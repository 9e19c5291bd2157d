import { changelogQuery } from '../../schemas/records.ts';
import { requireAdmin } from '../platform/authz.ts';
import { principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { listChangelog } from './changelog.ts';

/** The system-wide changelog (X2CRM's "user changelog"): every record change, filterable by user. */
export const changelogRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['records'],
        summary: 'Every record change, newest first (admin)',
        querystring: changelogQuery,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return listChangelog(app.db, request.query);
    },
  );
};
