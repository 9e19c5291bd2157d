import { moduleFile } from '../../schemas/module-file.ts';
import {
  fieldBody,
  fieldDeleteQuery,
  fieldParams,
  fieldPatchBody,
  moduleBody,
  moduleDefinitionBody,
  moduleParams,
  modulePatchBody,
} from '../../schemas/modules.ts';
import { fieldAccessFor, type Principal, requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { applyDefinition } from './module-definition.ts';
import { addField, removeField, updateField } from './module-fields.ts';
import { exportModule, importModule } from './module-transfer.ts';
import { createModule, deleteModule, getModule, listModules, updateModule } from './modules.ts';

const tags = ['modules'];

/** Studio. Every signed-in user reads definitions (forms and lists are drawn from them); admins change them. */
export const moduleRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    { schema: { tags, summary: 'Every module with its fields, as the caller may use them' } },
    async (request) => ({
      items: (await listModules(app.db)).map((module) => asSeenBy(principalOf(request), module)),
      nextCursor: null,
    }),
  );

  app.post(
    '/',
    { schema: { tags, summary: 'Create a custom module (admin)', body: moduleBody } },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      return reply.code(201).send(await createModule(app.db, actorOf(request), request.body));
    },
  );

  app.post(
    '/import',
    { schema: { tags, summary: 'Install a module file made by export (admin)', body: moduleFile } },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      const { name } = await importModule(app.db, actorOf(request), request.body);
      return reply.code(201).send(await getModule(app.db, name));
    },
  );

  app.get(
    '/:name',
    { schema: { tags, summary: 'One module with its fields', params: moduleParams } },
    async (request) => asSeenBy(principalOf(request), await getModule(app.db, request.params.name)),
  );

  app.get(
    '/:name/export',
    {
      schema: {
        tags,
        summary: 'A custom module as a file: fields, dropdowns, layouts (admin)',
        params: moduleParams,
      },
    },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      const file = await exportModule(app.db, request.params.name);
      return reply
        .header('content-disposition', `attachment; filename="${request.params.name}.module.json"`)
        .send(file);
    },
  );

  app.patch(
    '/:name',
    {
      schema: {
        tags,
        summary: 'Rename or flag a module (admin)',
        params: moduleParams,
        body: modulePatchBody,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return updateModule(app.db, actorOf(request), request.params.name, request.body);
    },
  );

  app.delete(
    '/:name',
    { schema: { tags, summary: 'Delete a custom module and all its records (admin)', params: moduleParams } },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      await deleteModule(app.db, actorOf(request), request.params.name);
      return reply.code(204).send();
    },
  );

  app.get(
    '/:name/fields',
    { schema: { tags, summary: "A module's fields", params: moduleParams } },
    async (request) => ({
      items: asSeenBy(principalOf(request), await getModule(app.db, request.params.name)).fields,
      nextCursor: null,
    }),
  );

  app.put(
    '/:name/definition',
    {
      schema: {
        tags,
        summary:
          'Write the module’s fields as one document (admin): added, removed and altered in one transaction; dryRun previews',
        params: moduleParams,
        body: moduleDefinitionBody,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return applyDefinition(app.db, actorOf(request), request.params.name, request.body);
    },
  );

  app.post(
    '/:name/fields',
    { schema: { tags, summary: 'Add a field: a new column (admin)', params: moduleParams, body: fieldBody } },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      return reply
        .code(201)
        .send(await addField(app.db, actorOf(request), request.params.name, request.body));
    },
  );

  app.patch(
    '/:name/fields/:field',
    { schema: { tags, summary: 'Customise a field (admin)', params: fieldParams, body: fieldPatchBody } },
    async (request) => {
      requireAdmin(principalOf(request));
      return updateField(app.db, actorOf(request), request.params.name, request.params.field, request.body);
    },
  );

  app.delete(
    '/:name/fields/:field',
    {
      schema: {
        tags,
        summary:
          'Remove a field and its data (admin); 409 with the count of records holding a value unless confirm=true',
        params: fieldParams,
        querystring: fieldDeleteQuery,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return removeField(
        app.db,
        actorOf(request),
        request.params.name,
        request.params.field,
        request.query.confirm === true,
      );
    },
  );
};

/**
 * A module as a caller's forms should draw it: fields hidden from the caller's roles left out,
 * read-only ones marked `readOnly` (field-level permissions; the records API enforces them).
 */
function asSeenBy<M extends { name: string; fields: Array<{ name: string; readOnly: boolean }> }>(
  principal: Principal,
  module: M,
): M {
  if (principal.isAdmin || !principal.fieldAccess?.[module.name]) return module;
  const fields = module.fields.flatMap((field) => {
    const access = fieldAccessFor(principal, module.name, field.name);
    if (access === 'hidden') return [];
    return [access === 'readOnly' ? { ...field, readOnly: true } : field];
  });
  return { ...module, fields };
}
