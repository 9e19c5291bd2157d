/**
 * Demo data for a new install: `npm run demo` (server/demo.ts, run here as a real process on
 * a test database) and `POST /api/demo-data` load accounts, contacts linked to them and
 * opportunities, through the records service; never into an install that has such records;
 * administrators only.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');

test('the API loads the demo set once, for administrators', async () => {
  const { app, db } = await createTestApp();
  const admin = await login(app);
  const bob = await signedInUser(app, db, admin, 'bob');
  assert.equal((await bob.request('POST', '/api/demo-data')).statusCode, 403);
  const loaded = await admin.request('POST', '/api/demo-data');
  assert.equal(loaded.statusCode, 201, loaded.body);
  assert.deepEqual(loaded.json(), { accounts: 6, contacts: 12, opportunities: 7 });
  const contacts = (await admin.request('GET', '/api/records/contacts?limit=50')).json<{
    items: { firstName: string; company: string | null; _display?: Record<string, string> }[];
  }>().items;
  assert.equal(contacts.length, 12);
  assert.ok(
    contacts.every((contact) => typeof contact.company === 'string'),
    'every contact has its account',
  );
  const again = await admin.request('POST', '/api/demo-data');
  assert.equal(again.statusCode, 409);
  assert.match(again.body, /already has records/);
});

test('npm run demo loads it into the configured database', async () => {
  const { app, url } = await createTestApp();
  const { stdout } = await run(path.join(root, 'node_modules/.bin/node'), ['server/demo.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url },
  });
  assert.match(stdout, /Loaded 6 accounts, 12 contacts and 7 opportunities/);
  const admin = await login(app);
  const count = (await admin.request('GET', '/api/records/opportunities/count')).json<{ count: number }>();
  assert.equal(count.count, 7);
  const twice = await run(path.join(root, 'node_modules/.bin/node'), ['server/demo.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url },
  }).catch((error: { code: number; stderr: string }) => error);
  assert.equal((twice as { code: number }).code, 1);
  assert.match((twice as { stderr: string }).stderr, /only into an install without/);
});
