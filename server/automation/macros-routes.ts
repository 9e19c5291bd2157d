import { idParams } from '../../schemas/common.ts';
import { flowRunBody, macrosQuery } from '../../schemas/flows-api.ts';
import { WeftError } from '../platform/errors.ts';
import { principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { runFlowOn } from './flow-runs.ts';
import { macroFlow, macroRun, macrosFor } from './macros.ts';

/**
 * Macros for everyone allowed: the published flows with a macro trigger whose roles include
 * the caller's, run on a record or a selection. Not admin-only, unlike /api/flows.
 */
export const macroRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['macros'],
        summary: 'The macros the caller may run, of one module or all',
        querystring: macrosQuery,
      },
    },
    async (request) => ({ items: await macrosFor(app.db, principalOf(request), request.query.module) }),
  );

  app.post(
    '/:id/run',
    {
      schema: {
        tags: ['macros'],
        summary: 'Run a macro on records the caller can see; answers the started runs',
        params: idParams,
        body: flowRunBody,
      },
    },
    async (request, reply) => {
      if (!app.runtime)
        throw new WeftError('UNAVAILABLE', 'The workflow queue is not running in this process');
      const principal = principalOf(request);
      await macroFlow(app.db, principal, request.params.id);
      const runIds = await runFlowOn(app.runtime, principal, request.params.id, request.body.recordIds);
      return reply.code(202).send({ runIds });
    },
  );

  app.get(
    '/runs/:id',
    {
      schema: {
        tags: ['macros'],
        summary: 'A macro run the caller started: its status and, if it failed, why',
        params: idParams,
      },
    },
    async (request) => macroRun(app.db, principalOf(request), request.params.id),
  );
};
