import { tagParams, tagsQuery } from '../../schemas/tags.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { deleteTag, tagCounts } from './tags.ts';

const tags = ['tags'];

/** The tag manager (admin): every tag with its record count; delete a tag everywhere. */
export const tagRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    { schema: { tags, summary: 'Tags in use with their record counts (admin)', querystring: tagsQuery } },
    async (request) => {
      requireAdmin(principalOf(request));
      return { items: await tagCounts(app.db, request.query.module), nextCursor: null };
    },
  );

  app.delete(
    '/:tag',
    { schema: { tags, summary: 'Remove a tag from every record (admin)', params: tagParams } },
    async (request) => {
      requireAdmin(principalOf(request));
      return deleteTag(app.db, actorOf(request), request.params.tag);
    },
  );
};
