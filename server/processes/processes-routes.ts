import { idParams } from '../../schemas/common.ts';
import { moduleName } from '../../schemas/modules.ts';
import {
  boardQuery,
  funnelQuery,
  moveBody,
  processBody,
  processListQuery,
  processPatchBody,
  progressParams,
  stageActionBody,
  stageParams,
  stageRecordsQuery,
} from '../../schemas/processes.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { board, funnel, stageRecords } from './board.ts';
import { createProcess, deleteProcess, getProcess, listProcesses, updateProcess } from './processes.ts';
import { changeProgress, getProgress, moveTo } from './progress.ts';

const tags = ['processes'];
const moduleQuery = {
  type: 'object',
  properties: { module: moduleName },
  required: ['module'],
  additionalProperties: false,
} as const;

/** Process definitions (admin writes), records' progress, the board and the funnel. */
export const processRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    { schema: { tags, summary: 'Processes (of a module)', querystring: processListQuery } },
    async (request) => {
      principalOf(request);
      return listProcesses(app.db, request.query);
    },
  );

  app.post(
    '/',
    { schema: { tags, summary: 'Create a process (admin)', body: processBody } },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      return reply.code(201).send(await createProcess(app.db, actorOf(request), request.body));
    },
  );

  app.get('/:id', { schema: { tags, summary: 'One process', params: idParams } }, async (request) => {
    principalOf(request);
    return getProcess(app.db, request.params.id);
  });

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Change a process; stages keep their ids, so records keep their progress (admin)',
        params: idParams,
        body: processPatchBody,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return updateProcess(app.db, actorOf(request), request.params.id, request.body);
    },
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete a process (admin)', params: idParams } },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      await deleteProcess(app.db, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/:id/board',
    {
      schema: {
        tags,
        summary: 'Pipeline board: a column per stage with its count, financial total and first cards',
        params: idParams,
        querystring: boardQuery,
      },
    },
    async (request) => board(app.db, principalOf(request), request.params.id, request.query),
  );

  app.get(
    '/:id/funnel',
    {
      schema: {
        tags,
        summary: 'Funnel: records that reached each stage, and the conversion to the next',
        params: idParams,
        querystring: funnelQuery,
      },
    },
    async (request) => funnel(app.db, principalOf(request), request.params.id, request.query),
  );

  app.get(
    '/:id/stages/:stageId/records',
    { schema: { tags, summary: "A stage's records", params: stageParams, querystring: stageRecordsQuery } },
    async (request) =>
      stageRecords(app.db, principalOf(request), request.params.id, request.params.stageId, request.query),
  );

  app.get(
    '/:id/records/:recordId',
    {
      schema: {
        tags,
        summary: "A record's progress through the process",
        params: progressParams,
        querystring: moduleQuery,
      },
    },
    async (request) =>
      getProgress(
        app.db,
        principalOf(request),
        request.params.id,
        request.query.module,
        request.params.recordId,
      ),
  );

  app.post(
    '/:id/records/:recordId/stages',
    {
      schema: {
        tags,
        summary:
          'Start, complete, revert or re-date a stage of a record (every rule checked; 422 names the rule)',
        params: progressParams,
        body: stageActionBody,
      },
    },
    async (request) => {
      const { module, ...change } = request.body;
      return changeProgress(app.db, principalOf(request), actorOf(request), await app.settings.get(), {
        processId: request.params.id,
        module,
        recordId: request.params.recordId,
        changes: [change],
      });
    },
  );

  app.post(
    '/:id/records/:recordId/move',
    {
      schema: {
        tags,
        summary:
          'Move a record to a stage: forward completes the stages between, backward reverts (all or nothing)',
        params: progressParams,
        body: moveBody,
      },
    },
    async (request) =>
      moveTo(app.db, principalOf(request), actorOf(request), await app.settings.get(), {
        processId: request.params.id,
        recordId: request.params.recordId,
        ...request.body,
      }),
  );
};
