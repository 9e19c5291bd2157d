/**
 * Imports that warn before they write: link columns matched by the linked record's name or
 * email (one match: linked; none or several: the row's error, with the name), and the
 * pre-flight check (`POST /api/imports/preflight`) of the whole file against the mapping:
 * counts, each column's problems with sample rows, the flows that would run — and nothing
 * written.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { csvOf, errorsOf, imported, startWorker } from './helpers/imports.ts';

const { app, db } = await createTestApp({ queue: true });
await startWorker(app, db);
const admin = await login(app);

const account = async (name: string) => {
  const created = await admin.request('POST', '/api/records/accounts', { name });
  assert.equal(created.statusCode, 201, created.body);
  return created.json<{ id: string }>().id;
};
const acme = await account('Acme Ltd');
await account('Twin Co');
await account('Twin Co');
const flow = await admin.request('POST', '/api/flows', {
  name: 'Welcome',
  definition: {
    name: 'Welcome',
    trigger: { type: 'trigger.recordCreated', params: { module: 'contacts' } },
    nodes: [{ id: 'post', type: 'feed.post', params: { text: 'Hi' }, position: { x: 0, y: 100 } }],
    edges: [{ source: 'trigger', target: 'post' }],
  },
});
const flowId = flow.json<{ id: string }>().id;
assert.equal((await admin.request('POST', `/api/flows/${flowId}/publish`)).statusCode, 200);
assert.equal((await admin.request('POST', `/api/flows/${flowId}/activate`)).statusCode, 200);

const file = csvOf([
  ['First Name', 'Last Name', 'Company', 'Rating'],
  ['Ada', 'Lovelace', 'acme ltd', '5'],
  ['Alan', 'Turing', 'Nowhere Inc', '4'],
  ['Grace', 'Hopper', 'Twin Co', '4'],
  ['Edsger', '', 'Acme Ltd', '3'],
  ['Barbara', 'Liskov', '', '2'],
  ['Linus', 'Torvalds', 'Acme Ltd', 'high'],
]);

const contacts = async () =>
  (await admin.request('GET', '/api/records/contacts?limit=50')).json<{
    items: { firstName: string; company: string | null }[];
  }>().items;

test('pre-flight: counts, column problems with samples, flows that would run; nothing written', async () => {
  const response = await admin.request('POST', '/api/imports/preflight?module=contacts', file, {
    'content-type': 'text/csv',
  });
  assert.equal(response.statusCode, 200, response.body);
  const check = response.json<{
    total: number;
    create: number;
    fail: number;
    columns: {
      field: string;
      label: string;
      column: string;
      rows: number;
      samples: { row: number; value: string; reason: string }[];
    }[];
    flows: { created: number; updated: number };
  }>();
  assert.equal(check.total, 6);
  assert.equal(check.create, 2);
  assert.equal(check.fail, 4);
  assert.deepEqual(check.flows, { created: 1, updated: 0 });
  const company = check.columns.find((c) => c.field === 'company');
  assert.equal(company?.label, 'Account');
  assert.equal(company?.column, 'Company');
  assert.deepEqual(
    company?.samples.map((s) => [s.row, s.value, s.reason]),
    [
      [3, 'Nowhere Inc', 'no record of Accounts is named "Nowhere Inc"'],
      [4, 'Twin Co', '2 records of Accounts are named "Twin Co": choose one, or give the record\'s id'],
    ],
  );
  assert.ok(check.columns.some((c) => c.field === 'rating' && c.samples[0]?.value === 'high'));
  assert.ok(check.columns.some((c) => c.field === 'lastName' && c.samples[0]?.row === 5));
  assert.deepEqual(await contacts(), [], 'a pre-flight writes nothing');
});

test('the import links "Company" to the account of that name', async () => {
  const state = await imported(admin, { module: 'contacts' }, file);
  assert.equal(state.created, 2);
  assert.equal(state.failed, 4);
  const byName = Object.fromEntries((await contacts()).map((c) => [c.firstName, c.company]));
  assert.equal(byName.Ada, acme);
  assert.equal(byName.Barbara, null);
  const errors = await errorsOf(admin, state.id);
  assert.ok(errors.some((e) => e.row === 3 && e.field === 'company' && /Nowhere Inc/.test(e.reason)));
});

test('a bad mapping is refused with its field', async () => {
  const response = await admin.request(
    'POST',
    `/api/imports/preflight?module=contacts&mapping=${encodeURIComponent('{"Nope":"firstName"}')}`,
    file,
    { 'content-type': 'text/csv' },
  );
  assert.equal(response.statusCode, 400);
  assert.match(response.body, /mapping/);
});
