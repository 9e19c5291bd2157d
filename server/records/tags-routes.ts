import { tagMergeBody, tagParams, tagRenameBody, tagsDeleteAllQuery, tagsQuery } from '../../schemas/tags.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { deleteAllTags, deleteTag, mergeTags, renameTag, tagCounts } from './tags.ts';

const tags = ['tags'];

/** The tag manager (admin): every tag with its record count; rename, merge, delete one or all. */
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

  app.post(
    '/:tag/rename',
    {
      schema: {
        tags,
        summary: 'Rename a tag on every record; onto a tag in use, merge them (admin)',
        params: tagParams,
        body: tagRenameBody,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return renameTag(app.db, actorOf(request), request.params.tag, request.body.to);
    },
  );

  app.post(
    '/merge',
    { schema: { tags, summary: 'Merge tags into one on every record (admin)', body: tagMergeBody } },
    async (request) => {
      requireAdmin(principalOf(request));
      return mergeTags(app.db, actorOf(request), request.body.tags, request.body.into);
    },
  );

  app.delete(
    '/',
    {
      schema: {
        tags,
        summary: 'Remove every tag from every record, confirmed with the number of tags (admin)',
        querystring: tagsDeleteAllQuery,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return deleteAllTags(app.db, actorOf(request), request.query.confirm);
    },
  );
};
