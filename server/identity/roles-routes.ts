import { idParams, listQuery } from '../../schemas/common.ts';
import { roleBody, rolePatchBody } from '../../schemas/identity.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { createRole, deleteRole, getRole, listRoles, updateRole } from './roles.ts';

const tags = ['roles'];

/** Roles and their permission matrices are administration: admins only, reads included. */
export const roleRoutes: RoutePlugin = async (app) => {
  app.addHook('preHandler', async (request) => requireAdmin(principalOf(request)));

  app.get('/', { schema: { tags, summary: 'List roles', querystring: listQuery } }, async (request) =>
    listRoles(app.db, request.query),
  );

  app.get(
    '/:id',
    { schema: { tags, summary: 'One role with its permission matrix', params: idParams } },
    async (request) => getRole(app.db, request.params.id),
  );

  app.post('/', { schema: { tags, summary: 'Create a role', body: roleBody } }, async (request, reply) =>
    reply.code(201).send(await createRole(app.db, actorOf(request), request.body)),
  );

  app.patch(
    '/:id',
    { schema: { tags, summary: 'Change a role', params: idParams, body: rolePatchBody } },
    async (request) => updateRole(app.db, actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete a role', params: idParams } },
    async (request, reply) => {
      await deleteRole(app.db, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
