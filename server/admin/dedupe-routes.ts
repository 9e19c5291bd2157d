import { idParams } from '../../schemas/common.ts';
import { duplicatesQuery, mergeBody, mergesQuery, moduleQuery } from '../../schemas/dedupe.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { type DedupeRule, findDuplicates, missingRecords } from './dedupe.ts';
import { listMerges, mergeRecords, revertMerge } from './merge.ts';

const tags = ['dedupe'];

/** Duplicates, merging and its log, missing records: administration. */
export const dedupeRoutes: RoutePlugin = async (app) => {
  app.addHook('preHandler', async (request) => requireAdmin(principalOf(request)));

  app.get(
    '/duplicates',
    {
      schema: {
        tags,
        summary: 'Groups of likely duplicate records of a module',
        querystring: duplicatesQuery,
      },
    },
    async (request) =>
      findDuplicates(
        app.db,
        request.query.module,
        request.query.rules.split(',') as DedupeRule[],
        request.query.threshold,
      ),
  );

  app.post(
    '/merges',
    { schema: { tags, summary: 'Merge records into a survivor, field by field', body: mergeBody } },
    async (request, reply) =>
      reply.code(201).send(await mergeRecords(app.db, principalOf(request), actorOf(request), request.body)),
  );

  app.get(
    '/merges',
    { schema: { tags, summary: 'The merge log, newest first', querystring: mergesQuery } },
    async (request) => listMerges(app.db, request.query),
  );

  app.post(
    '/merges/:id/revert',
    {
      schema: {
        tags,
        summary: 'Revert a merge: the merged records and what moved come back',
        params: idParams,
      },
    },
    async (request) => revertMerge(app.db, principalOf(request), actorOf(request), request.params.id),
  );

  app.get(
    '/missing-records',
    {
      schema: {
        tags,
        summary: 'Records no non-admin user reaches: assigned to nobody, an inactive user or a gone group',
        querystring: moduleQuery,
      },
    },
    async (request) => missingRecords(app.db, request.query.module),
  );
};
