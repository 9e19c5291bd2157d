import { idParams, listOf, listQuery } from '../../schemas/common.ts';
import {
  dropdownBody,
  dropdownOrderBody,
  dropdownPatchBody,
  dropdownResponse,
} from '../../schemas/dropdowns.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import {
  createDropdown,
  deleteDropdown,
  getDropdown,
  listDropdowns,
  reorderDropdown,
  updateDropdown,
} from './dropdowns.ts';

const tags = ['dropdowns'];

/** Every signed-in user reads dropdowns (forms need them); only admins change them. */
export const dropdownRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'List dropdowns by name',
        querystring: listQuery,
        response: { 200: listOf(dropdownResponse) },
      },
    },
    async (request) => listDropdowns(app.db, request.query),
  );

  app.get(
    '/:id',
    { schema: { tags, summary: 'One dropdown', params: idParams, response: { 200: dropdownResponse } } },
    async (request) => getDropdown(app.db, request.params.id),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a dropdown (admin)',
        body: dropdownBody,
        response: { 201: dropdownResponse },
      },
    },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      return reply.code(201).send(await createDropdown(app.db, actorOf(request), request.body));
    },
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Change a dropdown (admin); options replace the list, in the order given',
        params: idParams,
        body: dropdownPatchBody,
        response: { 200: dropdownResponse },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return updateDropdown(app.db, actorOf(request), request.params.id, request.body);
    },
  );

  app.put(
    '/:id/order',
    {
      schema: {
        tags,
        summary: 'Reorder the options (admin): every value, in the new order',
        params: idParams,
        body: dropdownOrderBody,
        response: { 200: dropdownResponse },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return reorderDropdown(app.db, actorOf(request), request.params.id, request.body.values);
    },
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete a dropdown no field uses (admin)', params: idParams } },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      await deleteDropdown(app.db, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );
};
