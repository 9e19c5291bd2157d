import { displayPreferencesBody, displayPreferencesResponse } from '../../schemas/display-preferences.ts';
import {
  loginLocationsResponse,
  passwordChangeBody,
  profileUpdateBody,
  userResponse,
} from '../../schemas/identity.ts';
import { WeftError } from '../platform/errors.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { displayPreferences, updateDisplayPreferences } from './display-preferences.ts';
import { loginLocations } from './login-locations.ts';
import { verifyPassword } from './passwords.ts';
import { getUser, setPassword, updateUser } from './users.ts';

const tags = ['me'];

/** The signed-in user's own profile, password and permissions. */
export const meRoutes: RoutePlugin = async (app) => {
  app.get('/', { schema: { tags, summary: 'Who am I, with my effective permissions' } }, async (request) => {
    const principal = principalOf(request);
    return { ...(await getUser(app.db, principal.id)), permissions: principal.permissions };
  });

  app.patch(
    '/',
    {
      schema: {
        tags,
        summary: 'Change my profile',
        body: profileUpdateBody,
        response: { 200: userResponse },
      },
    },
    async (request) =>
      updateUser(app.db, app.settings, actorOf(request), principalOf(request).id, request.body),
  );

  app.get(
    '/display',
    {
      schema: {
        tags,
        summary: 'How I read dates: time zone, locale, date style, clock (unset ones follow the workspace)',
        response: { 200: displayPreferencesResponse },
      },
    },
    async (request) => displayPreferences(app.db, app.settings, principalOf(request).id),
  );

  app.patch(
    '/display',
    {
      schema: {
        tags,
        summary: 'Change how I read dates',
        body: displayPreferencesBody,
        response: { 200: displayPreferencesResponse },
      },
    },
    async (request) => updateDisplayPreferences(app.db, app.settings, principalOf(request).id, request.body),
  );

  app.get(
    '/login-locations',
    {
      schema: {
        tags,
        summary: 'Where I sign in from: each address with its rough place, how often and when',
        response: { 200: loginLocationsResponse },
      },
    },
    async (request) => ({ items: await loginLocations(app.db, principalOf(request).id) }),
  );

  app.post(
    '/password',
    {
      schema: {
        tags,
        summary: 'Change my password; ends my other sessions and revokes my API tokens',
        body: passwordChangeBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await app.db
        .selectFrom('users')
        .select('passwordHash')
        .where('id', '=', principal.id)
        .executeTakeFirstOrThrow();
      if (!user.passwordHash || !(await verifyPassword(request.body.currentPassword, user.passwordHash))) {
        throw new WeftError('VALIDATION', 'currentPassword is wrong', [
          { field: 'currentPassword', reason: 'is wrong' },
        ]);
      }
      await setPassword(
        app.db,
        actorOf(request),
        principal.id,
        request.body.newPassword,
        request.sessionInfo?.sessionId,
      );
      return reply.code(204).send();
    },
  );
};
