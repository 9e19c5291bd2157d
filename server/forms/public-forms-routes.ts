import { randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { issueStamp, maxFormBodyBytes, type SubmittedValues } from '../../connectors/web-form.ts';
import { formParams, submissionBody } from '../../schemas/forms.ts';
import { type FieldProblem, WeftError } from '../platform/errors.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { embedScript, hostedPage, publicFields, thanksPage } from './form-render.ts';
import { loadPublicForm, originAllowed, submitForm } from './form-submit.ts';
import { formModules, resolveFields, type WebForm } from './forms.ts';

const tags = ['public forms'];
const base = (request: FastifyRequest) => `${request.protocol}://${request.host}`;
const publicConfig = { public: true } as const;

/** Whatever the posting page's origin may read of our answer. */
function allowOrigin(reply: FastifyReply, form: WebForm, origin: string | undefined) {
  reply.header('cross-origin-resource-policy', 'cross-origin');
  reply.header('vary', 'Origin');
  if (origin && (form.settings.allowedOrigins ?? []).length === 0)
    reply.header('access-control-allow-origin', '*');
  else if (origin && form.settings.allowedOrigins?.includes(origin))
    reply.header('access-control-allow-origin', origin);
}

/** A page of our own: nothing but its styles and a post to us (or the redirect it names). */
function pageHeaders(reply: FastifyReply, form: WebForm) {
  const redirect = form.settings.redirectUrl ? ` ${new URL(form.settings.redirectUrl).origin}` : '';
  reply.header(
    'content-security-policy',
    `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'${redirect}; frame-ancestors *; base-uri 'none'`,
  );
  reply.removeHeader('x-frame-options');
  // helmet's no-referrer makes the browser send `Origin: null` with this page's own post.
  reply.header('referrer-policy', 'same-origin');
  reply.type('text/html; charset=utf-8');
}

/**
 * Public web forms: no session, no CSRF token (a customer's site posts them). The form's id
 * names it; limits, the honeypot, the signed fill-time stamp and allowed origins guard it,
 * and a submission is stored (with its processing job) before it is acknowledged.
 */
export const publicFormRoutes: RoutePlugin = async (app) => {
  await app.register(formbody, { bodyLimit: maxFormBodyBytes });
  await app.register(multipart, {
    limits: { fieldSize: 20000, fields: 100, files: 0, fileSize: 0, parts: 101 },
    attachFieldsToBody: 'keyValues',
  });

  app.get(
    '/forms/:id',
    {
      config: publicConfig,
      schema: {
        tags,
        summary: 'The hosted form page (plain HTML; works without JavaScript)',
        params: formParams,
        security: [],
      },
    },
    async (request, reply) => {
      const form = await loadPublicForm(app.db, request.params.id);
      const { fields } = resolveFields(form.kind, form.settings, await formModules(app.db));
      pageHeaders(reply, form);
      return hostedPage(form, publicFields(fields), `${base(request)}/api/public/forms/${form.id}/submit`, {
        stamp: issueStamp(form, Date.now()),
      });
    },
  );

  app.get(
    '/forms/:id/thanks',
    {
      config: publicConfig,
      schema: { tags, summary: 'The form’s thank-you page', params: formParams, security: [] },
    },
    async (request, reply) => {
      const form = await loadPublicForm(app.db, request.params.id);
      pageHeaders(reply, form);
      return thanksPage(form);
    },
  );

  app.get(
    '/forms/:id/definition',
    {
      config: publicConfig,
      schema: {
        tags,
        summary: 'What the embed script draws (visible fields, a fill-time stamp)',
        params: formParams,
        security: [],
      },
    },
    async (request, reply) => {
      const form = await loadPublicForm(app.db, request.params.id);
      allowOrigin(reply, form, request.headers.origin);
      reply.header('cache-control', 'no-store');
      const { fields } = resolveFields(form.kind, form.settings, await formModules(app.db));
      return {
        id: form.id,
        name: form.name,
        submitLabel: form.settings.submitLabel ?? 'Submit',
        fields: publicFields(fields),
        stamp: issueStamp(form, Date.now()),
      };
    },
  );

  app.get(
    '/forms/:id/stamp',
    {
      config: publicConfig,
      schema: {
        tags,
        summary: 'A fill-time stamp and a submission key for one rendering (the static snippet fetches them)',
        params: formParams,
        security: [],
      },
    },
    async (request, reply) => {
      const form = await loadPublicForm(app.db, request.params.id);
      allowOrigin(reply, form, request.headers.origin);
      reply.header('cache-control', 'no-store');
      return { stamp: issueStamp(form, Date.now()), key: randomBytes(18).toString('base64url') };
    },
  );

  app.get(
    '/forms/:id/embed.js',
    { config: publicConfig, schema: { tags, summary: 'The embed script', params: formParams, security: [] } },
    async (request, reply) => {
      const form = await loadPublicForm(app.db, request.params.id);
      reply.header('cross-origin-resource-policy', 'cross-origin');
      reply.type('text/javascript; charset=utf-8');
      return embedScript(form.id, base(request));
    },
  );

  app.options(
    '/forms/:id/submit',
    {
      config: publicConfig,
      schema: { tags, summary: 'CORS preflight of a submission', params: formParams, security: [] },
    },
    async (request, reply) => {
      const form = await loadPublicForm(app.db, request.params.id);
      if (!originAllowed(form, request.headers.origin, base(request)))
        throw new WeftError(
          'FORBIDDEN',
          `This form does not accept submissions from ${request.headers.origin}`,
        );
      allowOrigin(reply, form, request.headers.origin);
      reply.header('access-control-allow-methods', 'POST');
      reply.header('access-control-allow-headers', 'content-type');
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    },
  );

  app.post(
    '/forms/:id/submit',
    {
      config: publicConfig,
      bodyLimit: maxFormBodyBytes,
      schema: {
        tags,
        summary:
          'Submit a form: urlencoded (303 to the thank-you page, errors drawn into the form), JSON or multipart (JSON answers)',
        params: formParams,
        body: submissionBody,
        security: [],
      },
    },
    async (request, reply) => {
      const contentType = (request.headers['content-type'] ?? '').toLowerCase();
      const plain = contentType.startsWith('application/x-www-form-urlencoded');
      if (
        !plain &&
        !contentType.startsWith('application/json') &&
        !contentType.startsWith('multipart/form-data')
      )
        throw new WeftError(
          'UNSUPPORTED_MEDIA_TYPE',
          'Post the form as application/x-www-form-urlencoded, multipart/form-data or application/json',
        );
      const posted = postedValues(request.body);
      const origin = request.headers.origin;
      try {
        const result = await submitForm(
          app.db,
          app.boss,
          {
            formId: request.params.id,
            posted,
            ip: request.ip,
            origin,
            nowMs: Date.now(),
            // The web tracker's visitor: its cookie (same site), or the embed script's copy of it.
            visitor:
              request.cookies?.weft_vid ?? (typeof posted._weft_vid === 'string' ? posted._weft_vid : null),
          },
          base(request),
        );
        const { form } = result;
        const thanks = form.settings.redirectUrl ?? `${base(request)}/api/public/forms/${form.id}/thanks`;
        if (plain) return reply.code(303).header('location', thanks).send();
        allowOrigin(reply, form, origin);
        return reply.code(result.duplicate ? 200 : 201).send({
          submissionId: result.submissionId,
          duplicate: result.duplicate,
          message: form.settings.thankYou ?? 'Thank you.',
          ...(form.settings.redirectUrl ? { redirect: form.settings.redirectUrl } : {}),
        });
      } catch (error) {
        if (!(error instanceof WeftError)) throw error;
        const form = await loadPublicForm(app.db, request.params.id).catch(() => null);
        if (form && !plain) allowOrigin(reply, form, origin);
        // Without JavaScript the visitor sees the form again, each error next to its field.
        if (form && plain && (error.kind === 'VALIDATION' || error.kind === 'UNPROCESSABLE')) {
          const { fields } = resolveFields(form.kind, form.settings, await formModules(app.db));
          pageHeaders(reply, form);
          const problems = (error.details as FieldProblem[] | undefined) ?? [
            { field: 'form', reason: error.message },
          ];
          return reply.code(error.statusCode).send(
            hostedPage(form, publicFields(fields), `${base(request)}/api/public/forms/${form.id}/submit`, {
              // Field errors come only after the bot checks passed: the time already spent counts.
              // Anything the bot checks refused gets a stamp from now (a refusal earns no head start).
              stamp: issueStamp(
                form,
                Date.now() - (error.kind === 'VALIDATION' ? (form.settings.minFillSeconds ?? 3) * 1000 : 0),
              ),
              values: posted,
              problems,
            }),
          );
        }
        throw error;
      }
    },
  );
};

/** The posted fields as text, whatever the encoding; the JSON body is checked against its schema. */
function postedValues(body: unknown): SubmittedValues {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new WeftError('VALIDATION', 'body must be an object of fields', [
      { field: 'body', reason: 'must be an object' },
    ]);
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length > 100)
    throw new WeftError('VALIDATION', 'body has too many fields', [
      { field: 'body', reason: 'has more than 100 fields' },
    ]);
  const values: SubmittedValues = {};
  for (const [name, value] of entries) {
    if (typeof value === 'string') values[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') values[name] = String(value);
    else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) values[name] = value;
    else throw new WeftError('VALIDATION', `${name} must be text`, [{ field: name, reason: 'must be text' }]);
  }
  return values;
}
