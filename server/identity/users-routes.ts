import type { FastifyRequest } from 'fastify';
import { idParams, listOf, listQuery } from '../../schemas/common.ts';
import {
  invitationBody,
  loginLocationsResponse,
  passwordResetBody,
  userCreateBody,
  userDeleteBody,
  userResponse,
  userUpdateBody,
} from '../../schemas/identity.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { listSessions } from './auth.ts';
import { inviteUser, resendInvitation } from './invitations.ts';
import { loginLocations } from './login-locations.ts';
import { createUser, deleteUser, getUser, listUsers, setPassword, updateUser } from './users.ts';

const tags = ['users'];

/** Where the admin reached Weft: the invitation link points back there. */
const baseUrlOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** Reading the user directory is open to every signed-in user (assignment pickers need it); changing it is for admins. */
export const userRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List users',
        querystring: { ...listQuery, properties: { ...listQuery.properties, active: { type: 'boolean' } } },
        response: { 200: listOf(userResponse) },
      },
    },
    async (request) => listUsers(app.db, request.query),
  );

  app.post(
    '/invitations',
    {
      schema: {
        tags,
        summary:
          'Invite a user by email: created invited (no sign-in until accepted), sent a single-use link (admin)',
        body: invitationBody,
        response: { 201: userResponse },
      },
    },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      const user = await inviteUser(
        app.db,
        app.boss,
        app.settings,
        actorOf(request),
        request.body,
        baseUrlOf(request),
      );
      return reply.code(201).send(user);
    },
  );

  app.post(
    '/:id/invitation',
    {
      schema: {
        tags,
        summary: 'Send an invited user a new link; the earlier ones stop working (admin)',
        params: idParams,
        response: { 200: userResponse },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return resendInvitation(
        app.db,
        app.boss,
        app.settings,
        actorOf(request),
        request.params.id,
        baseUrlOf(request),
      );
    },
  );

  app.get(
    '/:id',
    { schema: { tags, summary: 'One user', params: idParams, response: { 200: userResponse } } },
    async (request) => getUser(app.db, request.params.id),
  );

  app.get(
    '/:id/login-locations',
    {
      schema: {
        tags,
        summary: 'Where a user signs in from, for their profile (admin, or the user themselves)',
        params: idParams,
        response: { 200: loginLocationsResponse },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.id !== request.params.id) requireAdmin(principal);
      await getUser(app.db, request.params.id);
      return { items: await loginLocations(app.db, request.params.id) };
    },
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a user (admin)',
        body: userCreateBody,
        response: { 201: userResponse },
      },
    },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      return reply.code(201).send(await createUser(app.db, app.settings, actorOf(request), request.body));
    },
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary:
          'Edit, deactivate (`active: false`: ends sessions, revokes API tokens) or reactivate a user (admin)',
        params: idParams,
        body: userUpdateBody,
        response: { 200: userResponse },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return updateUser(app.db, app.settings, actorOf(request), request.params.id, request.body);
    },
  );

  app.post(
    '/:id/password',
    {
      schema: {
        tags,
        summary: "Reset a user's password; ends their sessions and revokes their API tokens (admin)",
        params: idParams,
        body: passwordResetBody,
      },
    },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      await setPassword(app.db, actorOf(request), request.params.id, request.body.password);
      return reply.code(204).send();
    },
  );

  app.get(
    '/:id/sessions',
    { schema: { tags, summary: "A user's active sessions (admin)", params: idParams } },
    async (request) => {
      requireAdmin(principalOf(request));
      await getUser(app.db, request.params.id);
      return { items: await listSessions(app.db, app.settings, request.params.id), nextCursor: null };
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Delete a user, reassigning everything they own to another user in one transaction (admin)',
        params: idParams,
        body: userDeleteBody,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return deleteUser(app.db, app.ownership, actorOf(request), request.params.id, request.body.reassignTo);
    },
  );
};
