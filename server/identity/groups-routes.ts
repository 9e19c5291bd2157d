import { idParams, listQuery } from '../../schemas/common.ts';
import { groupBody, groupMembersBody, groupPatchBody } from '../../schemas/identity.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { changeMembers, createGroup, deleteGroup, getGroup, listGroups, updateGroup } from './groups.ts';

const tags = ['groups'];

export const groupRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    { schema: { tags, summary: 'List groups with their members', querystring: listQuery } },
    async (request) => listGroups(app.db, request.query),
  );

  app.get('/:id', { schema: { tags, summary: 'One group', params: idParams } }, async (request) =>
    getGroup(app.db, request.params.id),
  );

  app.post(
    '/',
    { schema: { tags, summary: 'Create a group (admin)', body: groupBody } },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      return reply.code(201).send(await createGroup(app.db, actorOf(request), request.body));
    },
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Rename, describe or replace the members of a group (admin)',
        params: idParams,
        body: groupPatchBody,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return updateGroup(app.db, actorOf(request), request.params.id, request.body);
    },
  );

  app.post(
    '/:id/members',
    { schema: { tags, summary: 'Add members (admin)', params: idParams, body: groupMembersBody } },
    async (request) => {
      requireAdmin(principalOf(request));
      return changeMembers(app.db, actorOf(request), request.params.id, request.body.userIds, 'add');
    },
  );

  app.delete(
    '/:id/members',
    { schema: { tags, summary: 'Remove members (admin)', params: idParams, body: groupMembersBody } },
    async (request) => {
      requireAdmin(principalOf(request));
      return changeMembers(app.db, actorOf(request), request.params.id, request.body.userIds, 'remove');
    },
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete a group (admin)', params: idParams } },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      await deleteGroup(app.db, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
