import { idParams, listOf, listQuery } from '../../schemas/common.ts';
import {
  passwordResetBody,
  userCreateBody,
  userDeleteBody,
  userResponse,
  userUpdateBody,
} from '../../schemas/identity.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import { listSessions } from '../services/auth.ts';
import { requireAdmin } from '../services/authz.ts';
import { createUser, deleteUser, getUser, listUsers, setPassword, updateUser } from '../services/users.ts';
import type { RoutePlugin } from './route-plugin.ts';

const tags = ['users'];

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

  app.get(
    '/:id',
    { schema: { tags, summary: 'One user', params: idParams, response: { 200: userResponse } } },
    async (request) => getUser(app.db, request.params.id),
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
        summary: 'Edit, deactivate (`active: false`) or reactivate a user (admin)',
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
        summary: "Reset a user's password; ends their sessions (admin)",
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
