import { idParams } from '../../schemas/common.ts';
import { fieldRulesBody } from '../../schemas/modules.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { roleFieldRules, setRoleFieldRules } from './field-permissions.ts';

const tags = ['roles'];

/** A role's field-level permissions (admin): `/api/roles/:id/field-permissions`. */
export const fieldPermissionRoutes: RoutePlugin = async (app) => {
  app.addHook('preHandler', async (request) => requireAdmin(principalOf(request)));

  app.get(
    '/:id/field-permissions',
    { schema: { tags, summary: "A role's hidden and read-only fields", params: idParams } },
    async (request) => roleFieldRules(app.db, request.params.id),
  );

  app.put(
    '/:id/field-permissions',
    {
      schema: {
        tags,
        summary: "Replace a role's hidden and read-only fields (fields not listed are editable)",
        params: idParams,
        body: fieldRulesBody,
      },
    },
    async (request) => setRoleFieldRules(app.db, actorOf(request), request.params.id, request.body.rules),
  );
};
