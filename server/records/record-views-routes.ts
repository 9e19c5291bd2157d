import { viewsQuery } from '../../schemas/records.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { clearViews, listViews } from './record-views.ts';

const tags = ['records'];

/** Record view history (admin): who viewed what, newest first; clear all. */
export const recordViewRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    { schema: { tags, summary: 'Record views, newest first (admin)', querystring: viewsQuery } },
    async (request) => {
      requireAdmin(principalOf(request));
      return listViews(app.db, request.query);
    },
  );

  app.delete('/', { schema: { tags, summary: 'Clear the whole view history (admin)' } }, async (request) => {
    requireAdmin(principalOf(request));
    return clearViews(app.db, actorOf(request));
  });
};
