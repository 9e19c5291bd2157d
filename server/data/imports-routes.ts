import type { FastifyRequest } from 'fastify';
import {
  importErrorListResponse,
  importErrorsQuery,
  importListQuery,
  importListResponse,
  importParams,
  importQuery,
  importResponse,
  importRetryBody,
  previewQuery,
  previewResponse,
  rollbackPreviewResponse,
  rollbackQuery,
  rollbackResponse,
} from '../../schemas/imports.ts';
import { invalid } from '../platform/errors.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { csvTypes, formatOf, xlsxType } from './import-parse.ts';
import { preflightImport } from './import-preflight.ts';
import { rollbackImport, rollbackPreview } from './import-rollback.ts';
import {
  getImport,
  listImportErrors,
  listImports,
  previewImport,
  retryImport,
  startImport,
} from './imports.ts';

const tags = ['imports'];
const maxFileBytes = 100 * 1024 * 1024;
const fileBody = {
  description: `The file itself: \`content-type: text/csv\` or \`${xlsxType}\``,
} as const;

function fileOf(request: FastifyRequest) {
  const format = formatOf(request.headers['content-type']);
  if (!Buffer.isBuffer(request.body) || request.body.length === 0) throw invalid('body', 'must be the file');
  return { data: request.body, format };
}

/** CSV/XLSX import: preview, start (a background job), progress, failed rows, history, rollback. */
export const importRoutes: RoutePlugin = async (app) => {
  app.addContentTypeParser(
    [...csvTypes, xlsxType],
    { parseAs: 'buffer', bodyLimit: maxFileBytes },
    (_request, body, done) => done(null, body),
  );

  app.post(
    '/preview',
    {
      bodyLimit: maxFileBytes,
      schema: {
        tags,
        summary: 'Header, first rows and a suggested column → field mapping of a file',
        querystring: previewQuery,
        response: { 200: previewResponse },
      },
    },
    async (request) => {
      const { data, format } = fileOf(request);
      return previewImport(
        app.db,
        principalOf(request),
        request.query.module,
        data,
        format,
        request.query.rows,
      );
    },
  );

  app.post(
    '/preflight',
    {
      bodyLimit: maxFileBytes,
      schema: {
        tags,
        summary:
          'Check the whole file against the mapping without writing anything: rows that would be created, updated, skipped or fail, each column’s problems with sample rows, the active flows that would run',
        description: fileBody.description,
        querystring: importQuery,
      },
    },
    async (request) => {
      const { data, format } = fileOf(request);
      return preflightImport(app.db, principalOf(request), request.query, data, format);
    },
  );

  app.post(
    '/',
    {
      bodyLimit: maxFileBytes,
      schema: {
        tags,
        summary: 'Import a CSV or XLSX file into a module (or users), as a background job',
        description: fileBody.description,
        querystring: importQuery,
        response: { 202: importResponse },
      },
    },
    async (request, reply) => {
      const { data, format } = fileOf(request);
      const started = await startImport(app.db, app.boss, principalOf(request), request.query, data, format);
      return reply.code(202).send(started);
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Import history, newest first (admins see every import, others their own)',
        querystring: importListQuery,
        response: { 200: importListResponse },
      },
    },
    async (request) => listImports(app.db, principalOf(request), request.query),
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'An import and its progress',
        params: importParams,
        response: { 200: importResponse },
      },
    },
    async (request) => getImport(app.db, principalOf(request), request.params.id),
  );

  app.get(
    '/:id/errors',
    {
      schema: {
        tags,
        summary: 'The rows that failed: row number (the header is row 1), field and reason',
        params: importParams,
        querystring: importErrorsQuery,
        response: { 200: importErrorListResponse },
      },
    },
    async (request) => listImportErrors(app.db, principalOf(request), request.params.id, request.query),
  );

  app.get(
    '/:id/rollback',
    {
      schema: {
        tags,
        summary:
          'What rolling back would delete and what it cannot undo (updated records, emails sent, feed posts on the records)',
        params: importParams,
        response: { 200: rollbackPreviewResponse },
      },
    },
    async (request) => rollbackPreview(app.db, principalOf(request), request.params.id),
  );

  app.post(
    '/:id/rollback',
    {
      schema: {
        tags,
        summary:
          'Delete the records the import created, and with removePosts the feed posts on them (overwrites of updated records cannot be undone)',
        params: importParams,
        querystring: rollbackQuery,
        response: { 200: rollbackResponse },
      },
    },
    async (request) =>
      rollbackImport(app.db, app.ownership, principalOf(request), actorOf(request), request.params.id, {
        removePosts: request.query.removePosts ?? false,
      }),
  );

  app.post(
    '/:id/retry',
    {
      schema: {
        tags,
        summary:
          'Retry a failed or partly failed import from its kept file: its failed rows (or the whole file of one that stopped) as a new import, same mapping and options unless changed',
        params: importParams,
        body: importRetryBody,
        response: { 201: importResponse },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await retryImport(app.db, app.boss, principalOf(request), request.params.id, request.body ?? {}),
        ),
  );
};
