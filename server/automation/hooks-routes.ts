import { verifiers } from '../../connectors/services.ts';
import { maxBodyBytes } from '../../connectors/webhook.ts';
import {
  deliveriesQuery,
  deliveryParams,
  flowParams,
  webhookSecretBody,
} from '../../schemas/webhooks-api.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import {
  listDeliveries,
  receiveWebhook,
  replayDelivery,
  rotateWebhookSecret,
  setWebhookSecret,
} from './webhooks.ts';

const tags = ['hooks'];

/** Inbound webhooks: the signature is computed over the exact bytes, so bodies stay raw here. */
const inboundRoutes: RoutePlugin = async (app) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/flows/:flowId',
    {
      // Public: the signature (or shared secret) with the flow's secret is the authentication.
      config: { public: true },
      schema: {
        tags,
        summary:
          'Deliver an event to a flow with the inbound webhook trigger (signed; 202 stored, 200 duplicate)',
        security: [],
        params: flowParams,
      },
    },
    async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const receipt = await receiveWebhook(app.db, request.params.flowId, raw, request.headers, Date.now());
      if ('challenge' in receipt) return reply.code(200).send(receipt);
      return reply.code(receipt.duplicate ? 200 : 202).send(receipt);
    },
  );
};

/** Administration of a flow's webhook: its secret, its deliveries, replay. */
export const hookRoutes: RoutePlugin = async (app) => {
  await app.register(inboundRoutes);

  app.get(
    '/services',
    { schema: { tags, summary: 'The senders a webhook flow can verify' } },
    async (request) => {
      requireAdmin(principalOf(request));
      return {
        items: Object.values(verifiers).map(({ service, title, help }) => ({ service, title, help })),
      };
    },
  );

  app.post(
    '/flows/:flowId/secret',
    { schema: { tags, summary: 'Rotate the flow’s webhook secret (admins)', params: flowParams } },
    async (request) => {
      requireAdmin(principalOf(request));
      return rotateWebhookSecret(app.db, actorOf(request), request.params.flowId);
    },
  );

  app.put(
    '/flows/:flowId/secret',
    {
      schema: {
        tags,
        summary: 'Set the flow’s webhook secret to the one a service gave (admins)',
        params: flowParams,
        body: webhookSecretBody,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return setWebhookSecret(app.db, actorOf(request), request.params.flowId, request.body.secret);
    },
  );

  app.get(
    '/flows/:flowId/deliveries',
    {
      schema: {
        tags,
        summary:
          'The flow’s deliveries, newest first: accepted, duplicate, refused (why), replayed; with the run each started',
        params: flowParams,
        querystring: deliveriesQuery,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return listDeliveries(app.db, request.params.flowId, request.query);
    },
  );

  app.post(
    '/flows/:flowId/deliveries/:id/replay',
    {
      schema: {
        tags,
        summary: 'Replay a delivery: its stored body starts the flow again under a new delivery id',
        params: deliveryParams,
      },
    },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      return reply
        .code(202)
        .send(await replayDelivery(app.db, actorOf(request), request.params.flowId, request.params.id));
    },
  );
};
