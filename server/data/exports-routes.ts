import { exportIndexResponse, exportParams, exportQuery } from '../../schemas/imports.ts';
import { principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { exportIndex, exportModule } from './exports.ts';

const tags = ['exports'];

/** CSV export, streamed. */
export const exportRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'All data: the CSV export of every module, as links (admin)',
        response: { 200: exportIndexResponse },
      },
    },
    async (request) => exportIndex(app.db, principalOf(request)),
  );

  app.get(
    '/:module',
    {
      schema: {
        tags,
        summary: 'The records of a module you may view, as CSV (header: field names)',
        params: exportParams,
        querystring: exportQuery,
      },
    },
    async (request, reply) => {
      const csv = await exportModule(
        app.db,
        principalOf(request),
        request.params.module,
        request.query.where,
      );
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${csv.fileName}"`)
        .send(csv.body);
    },
  );
};
