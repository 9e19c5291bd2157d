/**
 * The choices an import leaves to its user (issue 16): link names that match no record are
 * failed, left empty or created; names that match several are failed, left empty or picked
 * from the records they match (the pre-flight lists both, with the candidates); the module's
 * flows run for imported records only when asked; a failed import keeps its file and mapping
 * and is retried without uploading it again; rollback says what it cannot undo and removes
 * the feed posts on the imported records when asked.
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
await account('Acme Ltd');
const twinA = await account('Twin Co');
const twinB = await account('Twin Co');

const file = csvOf([
  ['First Name', 'Last Name', 'Company'],
  ['Ada', 'Lovelace', 'Acme Ltd'],
  ['Alan', 'Turing', 'Nowhere Inc'],
  ['Grace', 'Hopper', 'Twin Co'],
  ['Edsger', '', 'Acme Ltd'],
]);
const csv = { 'content-type': 'text/csv' };

test('the pre-flight lists unmatched and ambiguous names with the records they match', async () => {
  const response = await admin.request('POST', '/api/imports/preflight?module=contacts', file, csv);
  assert.equal(response.statusCode, 200, response.body);
  const { links, fail } = response.json();
  assert.equal(fail, 3);
  assert.equal(links.length, 1);
  const [company] = links;
  assert.equal(company.field, 'company');
  assert.equal(company.canCreate, true);
  assert.deepEqual(company.missing, [{ name: 'Nowhere Inc', rows: 1 }]);
  assert.equal(company.ambiguous[0].name, 'Twin Co');
  assert.deepEqual(
    company.ambiguous[0].candidates.map((c: { id: string }) => c.id).sort(),
    [twinA, twinB].sort(),
  );
  // With the choices made, only the row missing its last name would fail.
  const links2 = JSON.stringify({ company: { missing: 'create', picks: { 'Twin Co': twinB } } });
  const chosen = await admin.request(
    'POST',
    `/api/imports/preflight?module=contacts&links=${encodeURIComponent(links2)}`,
    file,
    csv,
  );
  assert.equal(chosen.json().fail, 1, chosen.body);
  const accounts = await admin.request('GET', '/api/records/accounts?limit=50');
  assert.equal(accounts.json().items.length, 3, 'a pre-flight creates nothing');
  const bad = await admin.request(
    'POST',
    `/api/imports/preflight?module=contacts&links=${encodeURIComponent('{"firstName":{}}')}`,
    file,
    csv,
  );
  assert.equal(bad.statusCode, 400, bad.body);
  assert.match(bad.body, /no link field/);
});

let importId = '';

test('choices apply: a name created once, a pick, an empty link; no flow unless asked; the file kept', async () => {
  const links = JSON.stringify({ company: { missing: 'create', picks: { 'twin co': twinB } } });
  const done = await imported(admin, { module: 'contacts', links }, file);
  importId = done.id;
  assert.equal(done.created, 3);
  assert.equal(done.failed, 1);
  const contacts = (await admin.request('GET', '/api/records/contacts?limit=50')).json().items as {
    firstName: string;
    company: string | null;
  }[];
  const nowhere = (await admin.request('GET', '/api/records/accounts?limit=50&q=Nowhere')).json().items;
  assert.equal(nowhere.length, 1);
  assert.equal(contacts.find((c) => c.firstName === 'Alan')?.company, nowhere[0].id);
  assert.equal(contacts.find((c) => c.firstName === 'Grace')?.company, twinB);
  // Its events say no flow runs for them (the dispatcher skips such events).
  const events = await db
    .selectFrom('events')
    .select('payload')
    .where('module', '=', 'contacts')
    .where('type', '=', 'record.created')
    .execute();
  assert.equal(events.length, 3);
  assert.ok(events.every((event) => event.payload.importedWithoutFlows === true));
  const view = (await admin.request('GET', `/api/imports/${importId}`)).json();
  assert.equal(view.retryable, true);
  assert.equal(view.runFlows, false);

  const empty = JSON.stringify({ company: { missing: 'empty', ambiguous: 'empty' } });
  const again = await imported(admin, { module: 'contacts', links: empty, runFlows: true }, file);
  assert.equal(again.created, 3);
  const withFlows = await db
    .selectFrom('events')
    .select('payload')
    .where('module', '=', 'contacts')
    .where('type', '=', 'record.created')
    .orderBy('id', 'desc')
    .limit(3)
    .execute();
  assert.ok(withFlows.every((event) => event.payload.importedWithoutFlows === undefined));
});

test('a partly failed import is retried from its kept file: only the failed rows, same mapping', async () => {
  const retried = await admin.request('POST', `/api/imports/${importId}/retry`, {});
  assert.equal(retried.statusCode, 201, retried.body);
  assert.equal(retried.json().retryOf, importId);
  assert.equal(retried.json().total, 1);
  const errors = await errorsOf(admin, importId);
  assert.equal(errors.length, 1);
});

test('rollback says what it cannot undo and removes the posts on the imported records when asked', async () => {
  const [ada] = await db
    .selectFrom('importRecords')
    .select('recordId as id')
    .where('importId', '=', importId)
    .limit(1)
    .execute();
  assert.ok(ada);
  const posted = await admin.request('POST', '/api/feed', {
    text: 'Welcome Ada',
    module: 'contacts',
    recordId: ada.id,
  });
  assert.equal(posted.statusCode, 201, posted.body);
  const preview = await admin.request('GET', `/api/imports/${importId}/rollback`);
  assert.equal(preview.statusCode, 200, preview.body);
  assert.equal(preview.json().toDelete, 3);
  assert.equal(preview.json().posts, 1);
  assert.match(preview.json().warnings.join(' '), /1 activity-feed posts/);
  const rolled = await admin.request('POST', `/api/imports/${importId}/rollback?removePosts=true`);
  assert.equal(rolled.statusCode, 200, rolled.body);
  assert.equal(rolled.json().postsRemoved, 1);
  assert.match(rolled.json().message, /Removed 1 activity-feed posts/);
  const left = await db.selectFrom('feedPosts').select('id').where('recordId', '=', ada.id).execute();
  assert.deepEqual(left, []);
});
