import { triggerLogDeleteQuery, triggerLogIdParams, triggerLogQuery } from '../../schemas/flows-api.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { clearTriggerLog, deleteTriggerLogEntry, listTriggerLog } from './trigger-log.ts';

const tags = ['trigger log'];

/** The trigger log of all flows (filter `flowId` for one), for admins. */
export const triggerLogRoutes: RoutePlugin = async (app) => {
  app.addHook('preHandler', async (request) => requireAdmin(principalOf(request)));

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Events that reached flows and what came of each, newest first',
        querystring: triggerLogQuery,
      },
    },
    async (request) => listTriggerLog(app.db, request.query),
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete one entry', params: triggerLogIdParams } },
    async (request, reply) => {
      await deleteTriggerLogEntry(app.db, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.delete(
    '/',
    {
      schema: {
        tags,
        summary: 'Delete every entry, or every entry of one flow',
        querystring: triggerLogDeleteQuery,
      },
    },
    async (request) => clearTriggerLog(app.db, actorOf(request), request.query.flowId),
  );
};
