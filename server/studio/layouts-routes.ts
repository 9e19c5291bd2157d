import { listOf } from '../../schemas/common.ts';
import {
  layoutBody,
  layoutDefaultBody,
  layoutDefaultQuery,
  layoutListQuery,
  layoutResponse,
  moduleLayoutParams,
  moduleParams,
} from '../../schemas/layout.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import {
  createLayout,
  defaultLayout,
  deleteLayout,
  getLayout,
  listLayouts,
  setDefaultLayout,
  updateLayout,
} from './layouts.ts';

const tags = ['layouts'];

/** Under `/modules/:module/layouts`. Every signed-in user reads layouts (forms are drawn from them); admins change them. */
export const layoutRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: "A module's layouts by name",
        params: moduleParams,
        querystring: layoutListQuery,
        response: { 200: listOf(layoutResponse) },
      },
    },
    async (request) => listLayouts(app.db, request.params.module, request.query),
  );

  app.get(
    '/default',
    {
      schema: {
        tags,
        summary: 'The default view or form layout, generated from the fields if the module has none',
        params: moduleParams,
        querystring: layoutDefaultQuery,
        response: { 200: layoutResponse },
      },
    },
    async (request) => defaultLayout(app.db, request.params.module, request.query.kind),
  );

  app.get(
    '/:id',
    {
      schema: { tags, summary: 'One layout', params: moduleLayoutParams, response: { 200: layoutResponse } },
    },
    async (request) => getLayout(app.db, request.params.module, request.params.id),
  );

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a layout (admin)',
        params: moduleParams,
        body: layoutBody,
        response: { 201: layoutResponse },
      },
    },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      const layout = await createLayout(app.db, actorOf(request), request.params.module, request.body);
      return reply.code(201).send(layout);
    },
  );

  app.put(
    '/:id',
    {
      schema: {
        tags,
        summary: "Replace a layout's name and sections (admin)",
        params: moduleLayoutParams,
        body: layoutBody,
        response: { 200: layoutResponse },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      const { module, id } = request.params;
      return updateLayout(app.db, actorOf(request), module, id, request.body);
    },
  );

  app.post(
    '/:id/default',
    {
      schema: {
        tags,
        summary: "Make a layout the module's default view or form, in place of the previous one (admin)",
        params: moduleLayoutParams,
        body: layoutDefaultBody,
        response: { 200: layoutResponse },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      const { module, id } = request.params;
      return setDefaultLayout(app.db, actorOf(request), module, id, request.body.kind);
    },
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete a layout (admin)', params: moduleLayoutParams } },
    async (request, reply) => {
      requireAdmin(principalOf(request));
      await deleteLayout(app.db, actorOf(request), request.params.module, request.params.id);
      return reply.code(204).send();
    },
  );
};
