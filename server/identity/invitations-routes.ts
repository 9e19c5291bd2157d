import { invitationAcceptBody, invitationResponse, invitationTokenParams } from '../../schemas/identity.ts';
import { setSessionCookie } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { login } from './auth.ts';
import { acceptInvitation, describeInvitation } from './invitations.ts';
import { getUser } from './users.ts';

const tags = ['users'];

/**
 * The two public routes of an emailed invitation: the token in the link is the credential.
 * Admins invite and resend under /api/users.
 */
export const invitationRoutes: RoutePlugin = async (app) => {
  app.get(
    '/:token',
    {
      config: { public: true },
      schema: {
        tags,
        summary:
          'Who an invitation is for; 404 for an unknown link, 410 for an expired, used or replaced one',
        security: [],
        params: invitationTokenParams,
        response: { 200: invitationResponse },
      },
    },
    async (request) =>
      describeInvitation(app.db, app.settings, request.params.token, {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      }),
  );

  app.post(
    '/:token/accept',
    {
      config: { public: true },
      schema: {
        tags,
        summary: 'Accept an invitation: set the password (and optionally another username); signs in',
        security: [],
        params: invitationTokenParams,
        body: invitationAcceptBody,
      },
    },
    async (request, reply) => {
      const client = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
      const accepted = await acceptInvitation(
        app.db,
        app.settings,
        request.params.token,
        request.body,
        client,
      );
      // Signing in as any sign-in does: the same session, login history and user.signedIn event.
      const session = await login(app.db, app.settings, accepted.username, request.body.password, client);
      setSessionCookie(request, reply, session.token);
      return { user: await getUser(app.db, session.userId), csrfToken: session.csrfToken };
    },
  );
};
