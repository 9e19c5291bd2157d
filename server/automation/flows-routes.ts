import { idParams, listQuery } from '../../schemas/common.ts';
import {
  codeRunBody,
  flowBindBody,
  flowBody,
  flowCreateBody,
  flowPatchBody,
  flowRunBody,
  runsQuery,
  testRunBody,
} from '../../schemas/flows-api.ts';
import { requireAdmin } from '../platform/authz.ts';
import { WeftError } from '../platform/errors.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { tryCode } from './code-try.ts';
import { getExecution, listExecutions } from './executions.ts';
import {
  assertFlowExists,
  cancelRun,
  listRuns,
  retryRun,
  retryRunFrom,
  runFlowOn,
  testRunOn,
} from './flow-runs.ts';
import {
  bindFlow,
  createFlow,
  deleteFlow,
  flowBindings,
  getFlow,
  importFlow,
  listFlows,
  listVersions,
  problemsOf,
  publishFlow,
  saveDraft,
  setActive,
  updateFlow,
} from './flows.ts';
import { syncPeriodicSchedule } from './periodic.ts';

const tags = ['flows'];
const versionParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' }, version: { type: 'integer', minimum: 1 } },
  required: ['id', 'version'],
  additionalProperties: false,
} as const;

/** Flows are administration: building, publishing and running them is for admins. */
export const flowRoutes: RoutePlugin = async (app) => {
  app.addHook('preHandler', async (request) => requireAdmin(principalOf(request)));
  const runtime = () => {
    if (!app.runtime) throw new WeftError('UNAVAILABLE', 'The workflow queue is not running in this process');
    return app.runtime;
  };

  app.get(
    '/',
    { schema: { tags, summary: 'Flows with their run counts and last run status', querystring: listQuery } },
    async (request) => listFlows(app.db, request.query),
  );

  app.post(
    '/',
    { schema: { tags, summary: 'Create a flow (inactive, as a draft)', body: flowCreateBody } },
    async (request, reply) => reply.code(201).send(await createFlow(app.db, actorOf(request), request.body)),
  );

  app.post(
    '/validate',
    {
      schema: {
        tags,
        summary: 'Every problem of a definition, each with its node id',
        body: { type: 'object' },
      },
    },
    async (request) => ({
      problems: await problemsOf(app.db, request.body),
    }),
  );

  app.post(
    '/import',
    {
      schema: {
        tags,
        summary: 'Import a Weft or X2CRM flow file; created inactive',
        body: { type: 'object' },
      },
    },
    async (request, reply) => reply.code(201).send(await importFlow(app.db, actorOf(request), request.body)),
  );

  app.get(
    '/:id',
    { schema: { tags, summary: 'One flow with its draft', params: idParams } },
    async (request) => getFlow(app.db, request.params.id),
  );

  app.patch(
    '/:id',
    { schema: { tags, summary: 'Rename or describe a flow', params: idParams, body: flowPatchBody } },
    async (request) => updateFlow(app.db, actorOf(request), request.params.id, request.body),
  );

  /** A periodic flow's pg-boss schedule follows its state (the engine also reconciles them at start). */
  const reschedule = async <T>(id: string, result: T): Promise<T> => {
    if (app.boss) await syncPeriodicSchedule(app.db, app.boss, id);
    return result;
  };

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete a flow with its versions and runs', params: idParams } },
    async (request, reply) => {
      await deleteFlow(app.db, actorOf(request), request.params.id);
      await reschedule(request.params.id, undefined);
      return reply.code(204).send();
    },
  );

  app.put(
    '/:id/draft',
    { schema: { tags, summary: 'Save the draft; answers its problems', params: idParams, body: flowBody } },
    async (request) => saveDraft(app.db, request.params.id, request.body),
  );

  app.post(
    '/:id/publish',
    { schema: { tags, summary: 'Publish the draft as the next immutable version', params: idParams } },
    async (request) =>
      reschedule(request.params.id, await publishFlow(app.db, actorOf(request), request.params.id)),
  );

  app.post(
    '/:id/activate',
    { schema: { tags, summary: 'Start matching events', params: idParams } },
    async (request) =>
      reschedule(request.params.id, await setActive(app.db, actorOf(request), request.params.id, true)),
  );

  app.post(
    '/:id/deactivate',
    {
      schema: {
        tags,
        summary: 'Stop matching events; waiting runs stop at their next step',
        params: idParams,
      },
    },
    async (request) =>
      reschedule(request.params.id, await setActive(app.db, actorOf(request), request.params.id, false)),
  );

  app.get(
    '/:id/versions',
    { schema: { tags, summary: 'Published versions, newest first', params: idParams } },
    async (request) => ({
      items: await listVersions(app.db, request.params.id),
      nextCursor: null,
    }),
  );

  app.get(
    '/:id/versions/:version',
    { schema: { tags, summary: 'One published version', params: versionParams } },
    async (request) => {
      const versions = await listVersions(app.db, request.params.id);
      const found = versions.find((version) => version.version === request.params.version);
      if (!found) throw new WeftError('NOT_FOUND', 'Version not found');
      return found;
    },
  );

  app.get(
    '/:id/export',
    { schema: { tags, summary: 'The draft as a Weft flow file', params: idParams } },
    async (request, reply) => {
      const flow = await getFlow(app.db, request.params.id);
      const file = flow.name.replace(/[^\w.-]+/g, '-');
      return reply
        .header('content-disposition', `attachment; filename="${file}.weft-flow.json"`)
        .send({ format: 'weft-flow', definition: flow.draft });
    },
  );

  app.get(
    '/:id/bindings',
    {
      schema: {
        tags,
        summary:
          'What an imported X2CRM flow still needs: X2CRM ids and usernames to bind, and its import problems',
        params: idParams,
      },
    },
    async (request) => flowBindings(app.db, request.params.id),
  );

  app.post(
    '/:id/bindings',
    {
      schema: {
        tags,
        summary: 'Bind X2CRM references of the draft to Weft users, groups, lists or records',
        params: idParams,
        body: flowBindBody,
      },
    },
    async (request) => bindFlow(app.db, actorOf(request), request.params.id, request.body.values),
  );

  app.get(
    '/:id/runs',
    { schema: { tags, summary: "The flow's runs, newest first", params: idParams, querystring: runsQuery } },
    async (request) => {
      await assertFlowExists(app.db, request.params.id);
      return listRuns(app.db, { ...request.query, flowId: request.params.id });
    },
  );

  app.post(
    '/:id/run',
    {
      schema: {
        tags,
        summary: 'Run the published version on records (X2CRM macro)',
        params: idParams,
        body: flowRunBody,
      },
    },
    async (request, reply) =>
      reply.code(202).send({
        runIds: await runFlowOn(runtime(), principalOf(request), request.params.id, request.body.recordIds),
      }),
  );

  app.post(
    '/code-runs',
    {
      schema: {
        tags,
        summary:
          'Run a code step’s source on a sample record in the sandbox: its output, log lines and errors; nothing is kept',
        body: codeRunBody,
      },
    },
    async (request) => tryCode(app.db, principalOf(request), request.body),
  );

  app.post(
    '/:id/test-runs',
    {
      schema: {
        tags,
        summary:
          'Test the draft on a record: run synchronously and rolled back; answers the path and every step',
        params: idParams,
        body: testRunBody,
      },
    },
    async (request) => testRunOn(app.db, principalOf(request), request.params.id, request.body.recordId),
  );
};

export const runRoutes: RoutePlugin = async (app) => {
  app.addHook('preHandler', async (request) => requireAdmin(principalOf(request)));
  app.get(
    '/',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Runs of every flow, newest first, with flow and record names, duration and error summary; by flow, status, start time (from ≤ startedAt < to), one record (module and recordId) or records of a module whose name contains q',
        querystring: {
          ...runsQuery,
          properties: {
            ...runsQuery.properties,
            flowId: { type: 'string', format: 'uuid' },
            module: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
            recordId: { type: 'string', format: 'uuid' },
            q: { type: 'string', minLength: 1, maxLength: 200 },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
          },
          dependencies: { recordId: ['module'], q: ['module'] },
        },
      },
    },
    async (request) => listExecutions(app.db, request.query),
  );
  const runtime = () => {
    if (!app.runtime) throw new WeftError('UNAVAILABLE', 'The workflow queue is not running in this process');
    return app.runtime;
  };
  app.get(
    '/:id',
    {
      schema: {
        tags: ['runs'],
        summary: 'A run with its step timeline, names, and the definition of the version it ran',
        params: idParams,
      },
    },
    async (request) => getExecution(app.db, request.params.id),
  );
  app.post(
    '/:id/cancel',
    { schema: { tags: ['runs'], summary: 'Cancel a running or waiting run', params: idParams } },
    async (request) => cancelRun(app.db, runtime(), request.params.id),
  );
  app.post(
    '/:id/retry',
    { schema: { tags: ['runs'], summary: 'Retry a failed run from its failed step', params: idParams } },
    async (request) => retryRun(app.db, runtime(), request.params.id),
  );
  app.post(
    '/:id/retry-from',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Retry a finished run from one of its steps: a new run of the same version starting there, with the data the run had at that step',
        params: idParams,
        body: {
          type: 'object',
          properties: { nodeId: { type: 'string', minLength: 1, maxLength: 64 } },
          required: ['nodeId'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await retryRunFrom(app.db, runtime(), request.params.id, request.body.nodeId)),
  );
};
