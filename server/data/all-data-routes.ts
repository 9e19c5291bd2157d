import { allDataExportQuery, allDataImportQuery } from '../../schemas/imports.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { exportAllData, importAllData, maxArchiveBytes } from './all-data.ts';

const tags = ['exports'];

/** All data out (a ZIP of CSVs and a manifest, streamed) and in (one import job per module): admin. */
export const allDataRoutes: RoutePlugin = async (app) => {
  app.addContentTypeParser(
    ['application/zip', 'application/x-zip-compressed', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: maxArchiveBytes },
    (_request, body, done) => done(null, body),
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary:
          'Every module (or those named) as one ZIP: a CSV per module and manifest.json, streamed (admin)',
        querystring: allDataExportQuery,
      },
    },
    async (request, reply) => {
      const archive = await exportAllData(app.db, principalOf(request), request.query.modules?.split(','));
      return (
        reply
          .header('content-type', 'application/zip')
          .header('content-disposition', `attachment; filename="${archive.fileName}"`)
          // The number of records the archive holds: a client shows progress against it.
          .header('x-weft-records', String(archive.records))
          .send(archive.body)
      );
    },
  );

  app.post(
    '/',
    {
      bodyLimit: maxArchiveBytes,
      schema: {
        tags,
        summary:
          'Import an all-data ZIP: one import job per module, overwriting or skipping matched records (admin)',
        querystring: allDataImportQuery,
      },
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      return reply
        .code(202)
        .send(
          await importAllData(
            app.db,
            app.boss,
            app.settings,
            principalOf(request),
            actorOf(request),
            body,
            request.query,
          ),
        );
    },
  );
};
