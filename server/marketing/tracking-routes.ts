import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import { idParams } from '../../schemas/common.ts';
import { tokenParams } from '../../schemas/marketing.ts';
import { invalid, WeftError } from '../platform/errors.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { subscribeFromWeb } from './newsletters.ts';
import { adminHtml, escapeHtml, page, unsubscribePage } from './pages.ts';
import { smsStatusCallback } from './sms.ts';
import { messageForToken, recordClick, recordOpen, unsubscribe } from './tracking.ts';
import { recordVisit, requestContent, trackerScript, withVisitorToken } from './web.ts';

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
    code: (n: number) => {
      header: (name: string, value: string) => { type: (t: string) => { send: (b: string) => unknown } };
    };
  }) =>
    reply
      .code(404)
      // Its own policy: the click route skips helmet's (a redirect needs none).
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .type('text/html; charset=utf-8')
      .send(page((await app.settings.get()).appName, 'Link not found', '<p>This link is not valid.</p>'));

  // The hosts a click's redirect carries the visitor token to: a settings read is a
  // statement (the settings' token), which was most of what a click cost the database. The
  // clicks that arrive while one read is under way share its answer: a click may use
  // settings read a moment (one statement) before it arrived, never older ones.
  let hostsRead: Promise<readonly string[]> | null = null;
  const trackingHosts = () => {
    hostsRead ??= app.settings
      .get()
      .then((settings) => settings.webTrackingHosts)
      .finally(() => {
        hostsRead = null;
      });
    return hostsRead;
  };

  app.get(
    '/o/:token',
    // A GIF: helmet's page headers (CSP and the rest, parsed per request) protect nothing here.
    { config: open, helmet: false, schema: { tags, summary: 'Open pixel', params: tokenParams } },
    async (request, reply) => {
      const known = await recordOpen(app.db, request.params.token.replace(/\.gif$/, ''));
      return reply
        .code(known ? 200 : 404)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .type('image/gif')
        .send(pixel);
    },
  );

  app.get(
    '/c/:token',
    {
      config: open,
      // A redirect (or the small not-found page, which sends its own policy below).
      helmet: false,
      schema: {
        tags,
        summary: 'A tracked link: redirects to the link it stands for in that mail',
        params: tokenParams,
      },
    },
    async (request, reply) => {
      const click = await recordClick(app.db, request.params.token);
      if (!click) return notFoundPage(reply);
      const target = await withVisitorToken(app.db, click.url, click.messageId, await trackingHosts());
      return reply.header('cache-control', 'no-store').redirect(target, 302);
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
      await subscribeFromWeb(app.db, request.params.id, {
        address: request.body.email,
        name: request.body.name?.trim() || null,
        ip: request.ip,
      });
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

  // The web tracker: a script for the customer's site and what it reports. Cross-origin by
  // design, without credentials: the answers hold nothing but the visitor's own id/content.
  const cors = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
  const parseJson = (body: unknown): Record<string, unknown> => {
    try {
      const value = typeof body === 'string' ? JSON.parse(body) : body;
      if (value && typeof value === 'object' && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {}
    throw invalid('body', 'is not a JSON object');
  };
  const text = (value: unknown, field: string, max: number, required = false) => {
    if (value === undefined || value === null || value === '') {
      if (required) throw invalid(field, 'is required');
      return null;
    }
    if (typeof value !== 'string' || value.length > max)
      throw invalid(field, `must be text of at most ${max} characters`);
    return value;
  };

  app.get(
    '/web.js',
    { config: open, schema: { tags, summary: 'The web tracker snippet for your website' } },
    async (_request, reply) => {
      const { trackingBaseUrl } = await app.settings.get();
      if (!trackingBaseUrl) throw new WeftError('UNPROCESSABLE', 'set trackingBaseUrl in the settings first');
      return reply.headers(cors).type('text/javascript; charset=utf-8').send(trackerScript(trackingBaseUrl));
    },
  );

  app.post(
    '/web/visit',
    { config: open, schema: { tags, summary: 'A page view reported by the tracker' } },
    async (request, reply) => {
      const body = parseJson(request.body);
      const url = text(body.url, 'url', 2000, true) as string;
      if (!/^https?:\/\//i.test(url)) throw invalid('url', 'must be an http(s) URL');
      const answer = await recordVisit(app.db, {
        url,
        visitor: text(body.visitor, 'visitor', 64),
        link: text(body.link, 'link', 200),
        referrer: text(body.referrer, 'referrer', 2000),
      });
      return reply.headers(cors).send(answer);
    },
  );

  app.post(
    '/web/content',
    {
      config: open,
      schema: {
        tags,
        summary: 'Targeted content for the visitor on a page (flows answer; null: keep the default)',
      },
    },
    async (request, reply) => {
      const body = parseJson(request.body);
      const url = text(body.url, 'url', 2000, true) as string;
      const { targetedContentTimeoutMs } = await app.settings.get();
      const answer = await requestContent(
        app.db,
        { visitor: text(body.visitor, 'visitor', 64), url },
        targetedContentTimeoutMs,
      );
      return reply.headers(cors).send(answer);
    },
  );

  app.post(
    '/sms/:token',
    {
      config: open,
      schema: {
        tags,
        summary: "The SMS provider's status callback (Twilio's MessageStatus), signed per message",
        params: tokenParams,
        body: {
          type: 'object',
          properties: {
            MessageStatus: { type: 'string', maxLength: 40 },
            ErrorCode: { type: 'string', maxLength: 40 },
          },
          required: ['MessageStatus'],
        },
      },
    },
    async (request, reply) => {
      const known = await smsStatusCallback(
        app.db,
        request.params.token,
        request.body.MessageStatus,
        request.body.ErrorCode ?? null,
      );
      return reply.code(known ? 204 : 404).send();
    },
  );
};
