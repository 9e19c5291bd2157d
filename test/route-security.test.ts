import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp } from './helpers/app.ts';

const { app } = await createTestApp();

/**
 * The only routes an anonymous caller may reach. Adding one here is a security decision:
 * it needs a reason next to it.
 */
const publicRoutes = new Set([
  'POST /api/auth/login', // signing in
  'GET /api/health', // load balancers and `npm start` users
  'GET /*', // the designer's static files and SPA fallback (server/plugins/designer.ts): no data, /api/* still 404s
  'POST /api/hooks/flows/:flowId', // inbound webhooks: authenticated by the HMAC signature with the flow's secret
  'GET /api/invitations/:token', // an emailed invitation: the token is the credential (rate limited like sign-in)
  'POST /api/invitations/:token/accept', // accepting it sets the password and signs in
  'GET /api/branding', // the app name, logo URL and theme the sign-in page shows: no data
  'GET /api/branding/logo', // the logo the sign-in page shows: an image an admin chose to show
  // Web forms (server/forms/): posted by customers' sites; rate limited in PostgreSQL, honeypot,
  // signed fill-time stamp, allowed origins, stored before acknowledged. The form's id names it.
  'GET /api/public/forms/:id', // the hosted form page
  'GET /api/public/forms/:id/thanks', // its thank-you page
  'GET /api/public/forms/:id/definition', // what the embed script draws
  'GET /api/public/forms/:id/embed.js', // the embed script
  'GET /api/public/forms/:id/stamp', // a fill-time stamp for the static snippet (no data)
  'POST /api/public/forms/:id/submit', // a submission
  // Marketing (server/marketing/tracking-routes.ts): what recipients and the customer's website reach.
  'GET /api/t/o/:token', // open pixel: the token, signed for one mail and purpose, is the credential
  'GET /api/t/c/:token', // tracked link: signed token; redirects only to a link of that mail
  'GET /api/t/u/:token', // unsubscribe page of the token's own address
  'POST /api/t/u/:token', // unsubscribing (form or RFC 8058 one-click): the token's own address only
  'POST /api/t/subscribe/:id', // a newsletter's public web form
  'GET /api/t/web.js', // the web tracker snippet (no data)
  'POST /api/t/web/visit', // page views from the snippet: a visitor is known only by its cookie id or a signed link token
  'POST /api/t/web/content', // targeted content for that visitor
  'POST /api/t/sms/:token', // the SMS provider's status callback, signed per message
]);

const placeholder = '00000000-0000-4000-8000-000000000000';
const routes = app.registeredRoutes.flatMap((route) =>
  (Array.isArray(route.method) ? route.method : [route.method])
    .filter((method) => method !== 'HEAD' && method !== 'OPTIONS')
    .map((method) => ({ method, url: route.url })),
);

test('the app registers the routes this test walks', () => {
  assert.ok(routes.length > 20, `only ${routes.length} routes found`);
});

test('every route except the public list answers 401 to an anonymous request', async () => {
  const failures: string[] = [];
  for (const { method, url } of routes) {
    const key = `${method} ${url}`;
    if (publicRoutes.has(key)) continue;
    const path = url.replace(/:(\w+)/g, placeholder).replace(/\*$/, 'x');
    const response = await app.inject({
      method: method as 'GET',
      url: path,
      payload: method === 'GET' ? undefined : {},
    });
    if (response.statusCode !== 401) failures.push(`${key} → ${response.statusCode}`);
    else assert.equal(response.json().error.code, 'WEFT_ERR_UNAUTHENTICATED', key);
  }
  assert.deepEqual(failures, []);
});

test('every public route exists and answers without credentials', async () => {
  const registered = new Set(routes.map(({ method, url }) => `${method} ${url}`));
  for (const key of publicRoutes) assert.ok(registered.has(key), `${key} is not registered`);
  assert.equal((await app.inject({ method: 'GET', url: '/api/health' })).statusCode, 503); // no queue in this app
  assert.equal((await app.inject({ method: 'GET', url: '/api/branding' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/api/branding/logo' })).statusCode, 404); // none uploaded
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'x', password: 'y' },
  });
  assert.equal(login.statusCode, 401);
  assert.equal(login.json().error.code, 'WEFT_ERR_INVALID_CREDENTIALS');
});

test('an unknown or revoked bearer token is refused like no credential', async () => {
  const response = await app.inject({
    method: 'GET',
    url: '/api/me',
    headers: { authorization: 'Bearer weft_nope' },
  });
  assert.equal(response.statusCode, 401);
});
