import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import { idParams } from '../../schemas/common.ts';
import { tokenParams } from '../../schemas/marketing.ts';
import { invalid } from '../platform/errors.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { addSubscribers } from './newsletters.ts';
import { adminHtml, escapeHtml, page, unsubscribePage } from './pages.ts';
import { messageForToken, recordClick, recordOpen, unsubscribe } from './tracking.ts';

const tags = ['tracking'];
const pixel = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** Public: the token in the path is the credential (signed, one mail, one purpose). */
const open = { public: true } as const;

const unsubscribeBody = {
  type: 'object',
  properties: {
    all: { type: 'string', maxLength: 10 },
    category: {
      anyOf: [
        { type: 'string', maxLength: 80 },
        { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 80 } },
      ],
    },
    'List-Unsubscribe': { type: 'string', maxLength: 20 },
  },
  additionalProperties: false,
} as const;

const subscribeBody = {
  type: 'object',
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 255 },
    name: { type: 'string', maxLength: 200 },
  },
  required: ['email'],
  additionalProperties: false,
} as const;

/**
 * What recipients reach from a mail: the open pixel, tracked links, the unsubscribe page
 * (and RFC 8058's one-click POST), and a newsletter's subscribe form. All public.
 */
export const trackingRoutes: RoutePlugin = async (app) => {
  await app.register(formbody);
  // RFC 8058 allows the one-click POST as multipart/form-data too.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: 0, files: 0, fields: 60 },
  });

  const notFoundPage = async (reply: {
    code: (n: number) => { type: (t: string) => { send: (b: string) => unknown } };
  }) =>
    reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(page((await app.settings.get()).appName, 'Link not found', '<p>This link is not valid.</p>'));

  app.get(
    '/o/:token',
    { config: open, schema: { tags, summary: 'Open pixel', params: tokenParams } },
    async (request, reply) => {
      const known = await recordOpen(app.db, request.params.token.replace(/\.gif$/, ''));
      return reply
        .code(known ? 200 : 404)
        .header('cache-control', 'no-store')
        .type('image/gif')
        .send(pixel);
    },
  );

  app.get(
    '/c/:token',
    {
      config: open,
      schema: {
        tags,
        summary: 'A tracked link: redirects to the link it stands for in that mail',
        params: tokenParams,
      },
    },
    async (request, reply) => {
      const url = await recordClick(app.db, request.params.token);
      if (!url) return notFoundPage(reply);
      return reply.header('cache-control', 'no-store').redirect(url, 302);
    },
  );

  app.get(
    '/u/:token',
    {
      config: open,
      schema: { tags, summary: 'The unsubscribe page (all, or by category)', params: tokenParams },
    },
    async (request, reply) => {
      const found = await messageForToken(app.db, request.params.token, 'u');
      if (!found) return notFoundPage(reply);
      const settings = await app.settings.get();
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(
          unsubscribePage(
            settings.appName,
            settings.unsubscribePageText,
            request.params.token,
            found.message.address,
            settings.unsubscribeCategories,
          ),
        );
    },
  );

  app.post(
    '/u/:token',
    {
      config: open,
      schema: {
        tags,
        summary:
          'Unsubscribe: the page\'s form, or the one-click POST of RFC 8058 ("List-Unsubscribe=One-Click": all)',
        params: tokenParams,
        body: unsubscribeBody,
      },
    },
    async (request, reply) => {
      const settings = await app.settings.get();
      const body = request.body ?? {};
      const oneClick = body['List-Unsubscribe'] === 'One-Click';
      const categories =
        body.category === undefined ? [] : Array.isArray(body.category) ? body.category : [body.category];
      for (const category of categories)
        if (!settings.unsubscribeCategories.includes(category))
          throw invalid('category', `"${category}" is not a category`);
      const all = oneClick || body.all === '1' || body.all === 'on';
      if (!all && categories.length === 0) throw invalid('category', 'choose a category, or all email');
      const done = await unsubscribe(app.db, request.params.token, { all, categories });
      if (!done) return notFoundPage(reply);
      if (oneClick) return reply.code(200).send({ unsubscribed: true });
      const from = all ? 'all email' : categories.map(escapeHtml).join(', ');
      return reply
        .type('text/html; charset=utf-8')
        .send(
          page(
            settings.appName,
            'Unsubscribed',
            `<div>${adminHtml(settings.unsubscribedPageText)}</div><p>${escapeHtml(done.address)}: ${from}.</p>`,
          ),
        );
    },
  );

  app.post(
    '/subscribe/:id',
    {
      config: open,
      schema: {
        tags,
        summary: "A newsletter's web form: subscribes an address",
        params: idParams,
        body: subscribeBody,
      },
    },
    async (request, reply) => {
      await addSubscribers(app.db, request.params.id, [
        { address: request.body.email, name: request.body.name?.trim() || null },
      ]);
      const settings = await app.settings.get();
      return reply
        .type('text/html; charset=utf-8')
        .send(
          page(
            settings.appName,
            'Subscribed',
            `<p>${escapeHtml(request.body.email)} is subscribed. Thank you.</p>`,
          ),
        );
    },
  );
};
