import { idParams } from '../../schemas/common.ts';
import { listBody, listMembersBody, listPatchBody, listsQuery } from '../../schemas/lists.ts';
import { recordListQuery } from '../../schemas/records.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import {
  changeMembers,
  createList,
  deleteList,
  getList,
  listLists,
  listMembers,
  reassignLists,
  updateList,
} from './lists.ts';

const tags = ['lists'];

/** Static and dynamic lists of records; the records shown are filtered by the reader's role scope. */
export const listRoutes: RoutePlugin = async (app) => {
  app.ownership.register('lists', reassignLists);

  app.get('/', { schema: { tags, summary: 'Lists I can see', querystring: listsQuery } }, async (request) =>
    listLists(app.db, principalOf(request), request.query),
  );

  app.post('/', { schema: { tags, summary: 'Create a list', body: listBody } }, async (request, reply) =>
    reply.code(201).send(await createList(app.db, principalOf(request), actorOf(request), request.body)),
  );

  app.get('/:id', { schema: { tags, summary: 'One list', params: idParams } }, async (request) =>
    getList(app.db, principalOf(request), request.params.id),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        summary: 'Rename a list or change its filter (owner)',
        params: idParams,
        body: listPatchBody,
      },
    },
    async (request) =>
      updateList(app.db, principalOf(request), actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete a list (owner)', params: idParams } },
    async (request, reply) => {
      await deleteList(app.db, principalOf(request), actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/:id/members',
    {
      schema: {
        tags,
        summary: 'Add records to a static list (owner)',
        params: idParams,
        body: listMembersBody,
      },
    },
    async (request) =>
      changeMembers(app.db, principalOf(request), request.params.id, [...request.body.recordIds], 'add'),
  );

  app.delete(
    '/:id/members',
    {
      schema: {
        tags,
        summary: 'Remove records from a static list (owner)',
        params: idParams,
        body: listMembersBody,
      },
    },
    async (request) =>
      changeMembers(app.db, principalOf(request), request.params.id, [...request.body.recordIds], 'remove'),
  );

  app.get(
    '/:id/records',
    {
      schema: {
        tags,
        summary: "A page of the list's records",
        params: idParams,
        querystring: recordListQuery,
      },
    },
    async (request) => listMembers(app.db, principalOf(request), request.params.id, request.query),
  );
};
