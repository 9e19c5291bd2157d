import assert from 'node:assert/strict';
import { test } from 'node:test';
import JSZip from 'jszip';
import { finished, importTestApp } from './helpers/imports.ts';
import { signedInUser } from './helpers/people.ts';

/** Two installations: the one exported from, and the one imported into. */
const source = await importTestApp();
const target = await importTestApp();

const create = async (module: string, body: Record<string, unknown>) => {
  const response = await source.admin.request('POST', `/api/records/${module}`, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { id: string };
};

const account = await create('accounts', { name: 'Globex' });
const contacts = [
  await create('contacts', {
    firstName: 'Ann',
    lastName: 'Export',
    email: 'ann@example.test',
    company: account.id,
  }),
  await create('contacts', { firstName: 'Bob', lastName: 'Export', tags: ['moved'] }),
];

async function archive(query = '') {
  const response = await source.admin.request('GET', `/api/all-data${query}`);
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers['content-type'], 'application/zip');
  return { zip: await JSZip.loadAsync(response.rawPayload), response };
}

test('all data out: one ZIP with a CSV per module and a manifest, link targets first', async () => {
  const { zip, response } = await archive();
  const manifest = JSON.parse((await zip.file('manifest.json')?.async('string')) ?? '{}');
  assert.equal(manifest.format, 'weft-all-data');
  const names = manifest.modules.map((module: { name: string }) => module.name);
  assert.ok(names.indexOf('accounts') < names.indexOf('contacts'), names.join());
  const entry = manifest.modules.find((module: { name: string }) => module.name === 'contacts');
  assert.equal(entry.records, 2);
  assert.equal(
    response.headers['x-weft-records'],
    String(manifest.modules.reduce((n: number, m: { records: number }) => n + m.records, 0)),
  );
  const csv = (await zip.file('contacts.csv')?.async('string')) ?? '';
  const [header, ...rows] = csv.trim().split('\n');
  assert.equal(header?.split(',')[0], 'id');
  assert.ok(header?.split(',').includes('firstName'));
  assert.equal(rows.length, 2);
  assert.ok(csv.includes(contacts[0]?.id ?? 'missing'));

  const chosen = await archive('?modules=contacts');
  assert.deepEqual(Object.keys(chosen.zip.files).sort(), ['contacts.csv', 'manifest.json']);
  assert.equal((await source.admin.request('GET', '/api/all-data?modules=nosuch')).statusCode, 400);
  const user = await signedInUser(source.app, source.db, source.admin, 'not-admin');
  assert.equal((await user.request('GET', '/api/all-data')).statusCode, 403);
});

test('all data in: another installation imports it, skipping or overwriting what matches', async () => {
  const { zip } = await archive('?modules=accounts,contacts');
  const file = await zip.generateAsync({ type: 'nodebuffer' });
  const upload = (query: string, body: Buffer) =>
    target.admin.request('POST', `/api/all-data?${query}`, body, { 'content-type': 'application/zip' });
  const waitAll = async (answer: { imports: { importId: string }[] }) =>
    Promise.all(answer.imports.map((job) => finished(target.admin, job.importId)));

  const first = await upload('mode=skip', file);
  assert.equal(first.statusCode, 202, first.body);
  const states = await waitAll(first.json());
  assert.deepEqual(
    states.map((state) => [state.status, state.created]),
    [
      ['done', 1],
      ['done', 2],
    ],
  );
  const found = await target.admin.request('GET', '/api/records/contacts?limit=10&sort=firstName');
  assert.deepEqual(
    found.json().items.map((c: { firstName: string }) => c.firstName),
    ['Ann', 'Bob'],
  );

  // Ids are kept, so the contact still links to its account.
  const ann = found.json().items[0] as { id: string; company: string };
  assert.equal(ann.id, contacts[0]?.id);
  assert.equal(ann.company, account.id);

  // The same file again, skipping: nothing new. Changed and overwriting: updated in place.
  const second = await upload('mode=skip', file);
  assert.equal(second.statusCode, 202, second.body);
  const again = await waitAll(second.json());
  assert.deepEqual(
    again.map((state) => [state.created, state.updated, state.skipped]),
    [
      [0, 0, 1],
      [0, 0, 2],
    ],
  );
  const contactsCsv = ((await zip.file('contacts.csv')?.async('string')) ?? '').replace('Ann', 'Anna');
  zip.file('contacts.csv', contactsCsv);
  const changed = await zip.generateAsync({ type: 'nodebuffer' });
  const over = await upload('mode=overwrite', changed);
  const overStates = await waitAll(over.json());
  assert.ok(
    overStates.some((state) => state.updated === 1),
    JSON.stringify(overStates),
  );
  const names = await target.admin.request('GET', '/api/records/contacts?limit=10&sort=firstName');
  assert.ok(names.json().items.some((c: { firstName: string }) => c.firstName === 'Anna'));

  assert.equal((await upload('mode=skip', Buffer.from('not a zip'))).statusCode, 400);
  const noManifest = new JSZip();
  noManifest.file('contacts.csv', 'id\n');
  const refused = await upload('mode=skip', await noManifest.generateAsync({ type: 'nodebuffer' }));
  assert.equal(refused.statusCode, 400);
  assert.match(refused.json().error.message, /manifest/);
});
