import { recordBulkBody, recordCountQuery } from '../../schemas/record-bulk.ts';
import {
  recordBody,
  recordChangelogQuery,
  recordListQuery,
  recordModuleParams,
  recordParams,
} from '../../schemas/records.ts';
import { tagsBody } from '../../schemas/tags.ts';
import { historyActors } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { listChangelog } from './changelog.ts';
import { redact, refuseHiddenCriteria } from './field-access.ts';
import { bulkRecords, countRecords } from './record-bulk.ts';
import { listRecords } from './record-list.ts';
import { reassignRecords } from './record-ownership.ts';
import { createRecord, deleteRecord, getRecord, updateRecord } from './records.ts';
import { addTags, removeTags } from './tags.ts';

const tags = ['records'];

/** Records of every module; role scopes apply inside each service's queries. */
export const recordRoutes: RoutePlugin = async (app) => {
  app.ownership.register('records', reassignRecords);

  app.get(
    '/:module',
    {
      schema: {
        tags,
        summary: 'A page of records',
        params: recordModuleParams,
        querystring: recordListQuery,
      },
    },
    async (request) => {
      refuseHiddenCriteria(principalOf(request), request.params.module, request.query);
      return listRecords(app.db, principalOf(request), request.params.module, request.query);
    },
  );

  app.get(
    '/:module/count',
    {
      schema: {
        tags,
        summary: 'How many records match `where` and `q` (what a bulk action on the filter would take)',
        params: recordModuleParams,
        querystring: recordCountQuery,
      },
    },
    async (request) => {
      refuseHiddenCriteria(principalOf(request), request.params.module, request.query);
      return countRecords(app.db, principalOf(request), request.params.module, request.query);
    },
  );

  app.post(
    '/:module/bulk',
    {
      schema: {
        tags,
        summary:
          'One action on many records (ids, or every record matching a filter): answers { matched, succeeded, failed }',
        params: recordModuleParams,
        body: recordBulkBody,
      },
    },
    async (request) => {
      refuseHiddenCriteria(principalOf(request), request.params.module, {
        where: request.body.target.where,
        whereField: '/target/where',
      });
      return bulkRecords(
        app.db,
        principalOf(request),
        actorOf(request),
        request.params.module,
        request.body,
        {
          runFlow: app.runFlowOn,
          onUnexpected: (error, id) => request.log.error({ err: error, recordId: id }, 'bulk record failed'),
          onRecordByRecord: (reason, records) =>
            request.log.info({ err: reason, records }, 'bulk chunk redone record by record'),
        },
      );
    },
  );

  app.post(
    '/:module',
    { schema: { tags, summary: 'Create a record', params: recordModuleParams, body: recordBody } },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          redact(
            principalOf(request),
            request.params.module,
            await createRecord(
              app.db,
              principalOf(request),
              actorOf(request),
              request.params.module,
              request.body,
            ),
          ),
        ),
  );

  app.get(
    '/:module/:id',
    { schema: { tags, summary: 'One record (logged in its view history)', params: recordParams } },
    async (request) =>
      redact(
        principalOf(request),
        request.params.module,
        await getRecord(app.db, principalOf(request), request.params.module, request.params.id, {
          viewedBy: actorOf(request),
        }),
      ),
  );

  app.patch(
    '/:module/:id',
    { schema: { tags, summary: 'Change fields of a record', params: recordParams, body: recordBody } },
    async (request) =>
      redact(
        principalOf(request),
        request.params.module,
        await updateRecord(
          app.db,
          principalOf(request),
          actorOf(request),
          request.params.module,
          request.params.id,
          request.body,
        ),
      ),
  );

  app.delete(
    '/:module/:id',
    { schema: { tags, summary: 'Delete a record', params: recordParams } },
    async (request, reply) => {
      await deleteRecord(
        app.db,
        principalOf(request),
        actorOf(request),
        request.params.module,
        request.params.id,
      );
      return reply.code(204).send();
    },
  );

  app.get(
    '/:module/:id/changelog',
    {
      schema: {
        tags,
        summary: "A record's changes, newest first",
        params: recordParams,
        querystring: recordChangelogQuery,
      },
    },
    async (request) => {
      const { module, id } = request.params;
      const principal = principalOf(request);
      // Whoever may see the record may see its history: getRecord answers 404 otherwise.
      await getRecord(app.db, principal, module, id);
      // The action-history privacy setting narrows whose entries the caller sees.
      const { actionHistoryPrivacy } = await app.settings.get();
      const actorIds = await historyActors(app.db, principal, actionHistoryPrivacy);
      const page = await listChangelog(app.db, { ...request.query, module, recordId: id, actorIds });
      // Changes to fields hidden from the caller's roles are left out.
      return {
        ...page,
        items: page.items.map((entry) => ({ ...entry, changes: redact(principal, module, entry.changes) })),
      };
    },
  );

  app.post(
    '/:module/:id/tags',
    { schema: { tags, summary: 'Add tags to a record', params: recordParams, body: tagsBody } },
    async (request) => {
      const { module, id } = request.params;
      const principal = principalOf(request);
      return redact(
        principal,
        module,
        await addTags(app.db, principal, actorOf(request), module, id, [...request.body.tags]),
      );
    },
  );

  app.delete(
    '/:module/:id/tags/:tag',
    {
      schema: {
        tags,
        summary: 'Remove a tag from a record',
        params: {
          ...recordParams,
          properties: { ...recordParams.properties, tag: { type: 'string', minLength: 1, maxLength: 100 } },
          required: [...recordParams.required, 'tag'],
        },
      },
    },
    async (request) => {
      const { module, id, tag } = request.params;
      const principal = principalOf(request);
      return redact(
        principal,
        module,
        await removeTags(app.db, principal, actorOf(request), module, id, [tag]),
      );
    },
  );
};
