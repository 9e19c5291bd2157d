import {
  hookDeliveriesQuery,
  hookParams,
  hookSubscriptionBody,
  hookSubscriptionPatch,
  knownHookEvents,
} from '../../schemas/outbound-hooks.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listHookDeliveries,
  listSubscriptions,
  rotateSubscriptionSecret,
  updateSubscription,
} from './hooks.ts';

const tags = ['outbound hooks'];

/** Outbound hooks are administration (an API token of an admin is how Zapier-like tools subscribe). */
export const outboundHookRoutes: RoutePlugin = async (app) => {
  app.addHook('preHandler', async (request) => requireAdmin(principalOf(request)));

  app.get('/', { schema: { tags, summary: 'Subscriptions to Weft’s events' } }, async () => ({
    ...(await listSubscriptions(app.db)),
    events: knownHookEvents,
  }));

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Subscribe a URL to events (answers the signing secret, once)',
        body: hookSubscriptionBody,
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createSubscription(app.db, actorOf(request), request.body)),
  );

  app.get('/:id', { schema: { tags, summary: 'A subscription', params: hookParams } }, async (request) =>
    getSubscription(app.db, request.params.id),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Change a subscription (active: true turns it back on and clears its failures)',
        params: hookParams,
        body: hookSubscriptionPatch,
      },
    },
    async (request) => updateSubscription(app.db, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Unsubscribe', params: hookParams } },
    async (request, reply) => {
      await deleteSubscription(app.db, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/:id/secret',
    { schema: { tags, summary: 'A new signing secret (the old one stops at once)', params: hookParams } },
    async (request) => rotateSubscriptionSecret(app.db, actorOf(request), request.params.id),
  );

  app.get(
    '/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The subscription’s deliveries, newest first (pending, delivered, failed, gone)',
        params: hookParams,
        querystring: hookDeliveriesQuery,
      },
    },
    async (request) => listHookDeliveries(app.db, request.params.id, request.query.limit),
  );
};
