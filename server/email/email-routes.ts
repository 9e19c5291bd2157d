import { idParams, listOf } from '../../schemas/common.ts';
import {
  outboxItemResponse,
  outboxListQuery,
  outboxMessageResponse,
  testEmailBody,
  testEmailResponse,
} from '../../schemas/email.ts';
import { audit } from '../platform/audit.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { getOutboxMessage, listOutbox, sendTestEmail } from './email.ts';

const tags = ['email'];

/** The email outbox and the SMTP check (admin). */
export const emailRoutes: RoutePlugin = async (app) => {
  app.get(
    '/outbox',
    {
      schema: {
        tags,
        summary: 'Messages in the outbox, newest first (admin)',
        querystring: outboxListQuery,
        response: { 200: listOf(outboxItemResponse) },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return listOutbox(app.db, request.query);
    },
  );

  app.get(
    '/outbox/:id',
    {
      schema: {
        tags,
        summary: 'One message with its body (admin)',
        params: idParams,
        response: { 200: outboxMessageResponse },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return getOutboxMessage(app.db, request.params.id);
    },
  );

  app.post(
    '/test',
    {
      schema: {
        tags,
        summary: 'Send a test email now with the current settings; answers what the SMTP server said (admin)',
        body: testEmailBody,
        response: { 200: testEmailResponse },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      await audit(app.db, actorOf(request), 'email.test', null, { to: request.body.to });
      const { response } = await sendTestEmail(app.db, await app.settings.get(), request.body.to);
      return { sent: true, response };
    },
  );
};
