/**
 * The app-wide search (`GET /api/search`): records of every module the user may view, named,
 * and flows for administrators; a module the role cannot view and flows stay out of a
 * restricted user's results; a bad query is a 400 naming its field.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db } = await createTestApp();
const admin = await login(app);
const dave = await signedInUser(app, db, admin, 'dave', { '*': { view: 'all' }, contacts: { view: 'none' } });

for (const [module, values] of [
  ['contacts', { firstName: 'Ada', lastName: 'Lovelace' }],
  ['accounts', { name: 'Adastra Ltd' }],
  ['opportunities', { name: 'Unrelated deal' }],
] as const) {
  const created = await admin.request('POST', `/api/records/${module}`, values);
  assert.equal(created.statusCode, 201, created.body);
}
const flow = await admin.request('POST', '/api/flows', { name: 'Ada welcome' });
assert.equal(flow.statusCode, 201, flow.body);

type Hit = { kind: string; name: string; module?: string; moduleLabel?: string };
const searchAs = async (who: typeof admin, q: string) => {
  const response = await who.request('GET', `/api/search?q=${encodeURIComponent(q)}`);
  assert.equal(response.statusCode, 200, response.body);
  return response
    .json<{ items: Hit[] }>()
    .items.map((hit) => `${hit.kind}:${hit.moduleLabel ?? ''}:${hit.name}`);
};

test('an administrator finds records of every module and flows, by name', async () => {
  assert.deepEqual((await searchAs(admin, 'ada')).sort(), [
    'flow::Ada welcome',
    'record:Accounts:Adastra Ltd',
    'record:Contacts:Ada Lovelace',
  ]);
});

test('a restricted user finds only what their role lets them view', async () => {
  assert.deepEqual(await searchAs(dave, 'ada'), ['record:Accounts:Adastra Ltd']);
});

test('a missing query is refused with its field', async () => {
  const response = await admin.request('GET', '/api/search');
  assert.equal(response.statusCode, 400);
  assert.match(response.body, /q/);
});
