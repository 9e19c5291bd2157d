import { maxBodyBytes } from '../../connectors/webhook.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { receiveWebhook, rotateWebhookSecret } from './webhooks.ts';

const tags = ['hooks'];
const flowParams = {
  type: 'object',
  properties: { flowId: { type: 'string', format: 'uuid' } },
  required: ['flowId'],
  additionalProperties: false,
} as const;

/** Inbound webhooks: the signature is computed over the exact bytes, so bodies stay raw here. */
export const hookRoutes: RoutePlugin = async (app) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/flows/:flowId',
    {
      // Public: the HMAC signature with the flow's secret is the authentication.
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
      return reply.code(receipt.duplicate ? 200 : 202).send(receipt);
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
};
