import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

/** A 1×1 PNG. */
export const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const put = (body: Buffer | string, type: string) =>
  admin.request('PUT', '/api/branding/logo', body, { 'content-type': type });

test('the branding is public: name, theme, and the logo once uploaded', async () => {
  const anonymous = await app.inject({ method: 'GET', url: '/api/branding' });
  assert.deepEqual(anonymous.json(), {
    appName: 'Weft',
    defaultTheme: 'light',
    logoUrl: null,
    menu: {
      items: ['feed', 'notifications', 'records', 'lists', 'processes', 'marketing', 'imports'],
      moduleOrder: [],
    },
  });
  assert.equal(
    (await admin.request('PATCH', '/api/settings', { appName: 'Acme CRM', defaultTheme: 'dark' })).statusCode,
    200,
  );
  const uploaded = await put(png, 'image/png');
  assert.equal(uploaded.statusCode, 200, uploaded.body);
  const { logoUrl, appName, defaultTheme } = uploaded.json();
  assert.equal(appName, 'Acme CRM');
  assert.equal(defaultTheme, 'dark');
  assert.match(logoUrl, /^\/api\/branding\/logo\?v=\d+$/);
  const image = await app.inject({ method: 'GET', url: logoUrl });
  assert.equal(image.statusCode, 200);
  assert.equal(image.headers['content-type'], 'image/png');
  assert.deepEqual(image.rawPayload, png);
});

test('a logo is checked by its bytes and its size; admins only', async () => {
  const text = await put('not an image', 'image/png');
  assert.equal(text.statusCode, 400);
  assert.equal(text.json().error.details[0].field, 'body');
  const svg = await put(
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    'image/svg+xml',
  );
  assert.equal(svg.statusCode, 400, 'SVG can carry scripts');
  const lying = await put(png, 'image/jpeg');
  assert.equal(lying.statusCode, 400);
  assert.match(lying.json().error.details[0].reason, /is image\/png, not image\/jpeg/);
  const big = await put(Buffer.concat([png, Buffer.alloc(600 * 1024)]), 'image/png');
  assert.equal(big.statusCode, 400);
  assert.match(big.json().error.message, /larger than 512 KB/);
  const user = await signedInUser(app, db, admin, 'branding-user');
  assert.equal(
    (await user.request('PUT', '/api/branding/logo', png, { 'content-type': 'image/png' })).statusCode,
    403,
  );
  assert.equal((await user.request('DELETE', '/api/branding/logo')).statusCode, 403);
  assert.equal((await admin.request('DELETE', '/api/branding/logo')).statusCode, 204);
  assert.equal((await app.inject({ method: 'GET', url: '/api/branding' })).json().logoUrl, null);
});

test('emails carry the app name as the sender name', async () => {
  const { senderOf } = await import('../server/email/email-transport.ts');
  const settings = await app.settings.get();
  assert.deepEqual(senderOf(settings), {
    name: 'Acme CRM',
    address: settings.emailFromAddress ?? 'weft@localhost',
  });
  assert.equal(senderOf({ ...settings, emailFromName: 'Support' }).name, 'Support');
});
