import { formBody, formKindQuery, formParams, formPatchBody, submissionsQuery } from '../../schemas/forms.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { formFieldChoices } from './form-process.ts';
import { publicFields, snippets } from './form-render.ts';
import {
  createForm,
  deleteForm,
  formModules,
  getForm,
  listForms,
  listSubmissions,
  resolveFields,
  updateForm,
  type WebForm,
} from './forms.ts';

const tags = ['forms'];

/** Web forms are administration: building them and reading their submissions is for admins. */
export const formRoutes: RoutePlugin = async (app) => {
  app.addHook('preHandler', async (request) => requireAdmin(principalOf(request)));
  const withSnippets = async (form: WebForm, base: string) => {
    const { fields } = resolveFields(form.kind, form.settings, await formModules(app.db));
    return { ...form, embed: snippets(form, publicFields(fields), base) };
  };
  const baseOf = (request: { protocol: string; host: string }) => `${request.protocol}://${request.host}`;

  app.get('/', { schema: { tags, summary: 'Web forms' } }, async () => listForms(app.db));

  app.get(
    '/fields',
    {
      schema: {
        tags,
        summary: 'The fields a web-lead or service-case form may hold',
        querystring: formKindQuery,
      },
    },
    async (request) => ({ items: await formFieldChoices(app.db, request.query.kind) }),
  );

  app.post('/', { schema: { tags, summary: 'Create a web form', body: formBody } }, async (request, reply) =>
    reply
      .code(201)
      .send(await withSnippets(await createForm(app.db, actorOf(request), request.body), baseOf(request))),
  );

  app.get(
    '/:id',
    { schema: { tags, summary: 'A web form with its embed snippets', params: formParams } },
    async (request) => withSnippets(await getForm(app.db, request.params.id), baseOf(request)),
  );

  app.patch(
    '/:id',
    { schema: { tags, summary: 'Change a web form', params: formParams, body: formPatchBody } },
    async (request) =>
      withSnippets(
        await updateForm(app.db, actorOf(request), request.params.id, request.body),
        baseOf(request),
      ),
  );

  app.delete(
    '/:id',
    { schema: { tags, summary: 'Delete a web form and its submissions', params: formParams } },
    async (request, reply) => {
      await deleteForm(app.db, actorOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/:id/submissions',
    {
      schema: {
        tags,
        summary: 'A form’s submissions, newest first (received, processed or failed, and what they wrote)',
        params: formParams,
        querystring: submissionsQuery,
      },
    },
    async (request) => {
      await getForm(app.db, request.params.id);
      return listSubmissions(app.db, request.params.id, request.query);
    },
  );
};
