import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { runImport } from '../server/data/import-run.ts';
import { csvOf, errorsOf, finished, imported, importTestApp, upload } from './helpers/imports.ts';

/** Imports as jobs: users, permissions, progress pushed, resuming; the modes are in imports.test.ts. */

const { app, db, url, admin, user, contactsWhere } = await importTestApp();

test('users import through createUser, and roll back', async () => {
  const file = csvOf([
    ['username', 'firstName', 'lastName', 'email', 'available'],
    ['imp.user1', 'One', 'User', 'one@users.test', 'true'],
    ['imp.user2', 'Two', 'User', 'two@users.test', 'false'],
    ['x', 'Bad', 'Name', 'bad@users.test', 'true'],
  ]);
  const state = await imported(admin, { module: 'users' }, file);
  assert.deepEqual([state.created, state.failed], [2, 1], state.error ?? '');
  assert.deepEqual(
    (await errorsOf(admin, state.id)).map((error) => [error.row, error.field]),
    [[4, 'username']],
  );
  const users = await db
    .selectFrom('users')
    .select(['username', 'available', 'email'])
    .where('username', 'like', 'imp.user%')
    .orderBy('username')
    .execute();
  assert.deepEqual(users, [
    { username: 'imp.user1', available: true, email: 'one@users.test' },
    { username: 'imp.user2', available: false, email: 'two@users.test' },
  ]);
  const again = await imported(admin, { module: 'users', mode: 'skip', keyField: 'username' }, file);
  assert.deepEqual([again.skipped, again.created], [2, 0]);
  const rollback = await admin.request('POST', `/api/imports/${state.id}/rollback`);
  assert.equal(rollback.statusCode, 200, rollback.body);
  assert.equal(rollback.json().deleted, 2);
  assert.equal(
    (await db.selectFrom('users').select('id').where('username', 'like', 'imp.user%').execute()).length,
    0,
  );
});

test('permissions: importing needs create (and update) on the module; others do not see an import', async () => {
  const viewer = await user('imp-readonly', { contacts: { view: 'all' } });
  const file = csvOf([
    ['firstName', 'lastName'],
    ['No', 'Way'],
  ]);
  assert.equal((await upload(viewer, { module: 'contacts' }, file)).statusCode, 403);
  assert.equal((await upload(viewer, { module: 'users' }, file)).statusCode, 403);
  const creator = await user('imp-creator', { contacts: { view: 'own', create: 'own' } });
  assert.equal(
    (await upload(creator, { module: 'contacts', mode: 'update', keyField: 'lastName' }, file)).statusCode,
    403,
  );
  const own = await imported(
    creator,
    { module: 'contacts' },
    csvOf([
      ['firstName', 'lastName', 'assignedTo'],
      ['Mine', 'Own', ''],
      ['Not', 'Mine', 'admin'],
    ]),
  );
  assert.deepEqual([own.created, own.failed], [1, 1]);
  assert.equal((await errorsOf(creator, own.id))[0]?.field, 'assignedTo');
  assert.equal((await viewer.request('GET', `/api/imports/${own.id}`)).statusCode, 404);
  const history = (await viewer.request('GET', '/api/imports')).json();
  assert.deepEqual(history.items, []);
  assert.equal((await admin.request('GET', `/api/imports/${own.id}`)).statusCode, 200);
});

test('progress is pushed to the importing user as the import commits', async () => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const messages: {
    type: string;
    data: { id: string; processed: number; status: string };
    to: { users?: string[] };
  }[] = [];
  client.on('notification', (message) => {
    if (message.payload) messages.push(JSON.parse(message.payload));
  });
  await client.query('listen weft_live');
  try {
    const rows = [['firstName', 'lastName']];
    for (let i = 0; i < 1100; i++) rows.push(['Push', `Row ${i}`]);
    const state = await imported(admin, { module: 'contacts' }, csvOf(rows));
    // A round trip on the listening connection: notifications sent before its answer arrive first.
    await client.query('select 1');
    const mine = messages.filter(
      (message) => message.type === 'import.progress' && message.data.id === state.id,
    );
    assert.ok(mine.length >= 3, `${mine.length} progress messages`);
    // One message per committed batch (500, 500 and 100 rows, in whichever order they commit), then the end.
    const counts = mine.map((message) => message.data.processed);
    assert.deepEqual(
      counts.slice(0, 3).toSorted((a, b) => a - b),
      counts.slice(0, 3),
    );
    assert.ok(
      [
        [500, 1000, 1100],
        [500, 600, 1100],
        [100, 600, 1100],
      ].some((expected) => expected.join() === counts.slice(0, 3).join()),
      counts.join(),
    );
    assert.equal(mine.at(-1)?.data.status, 'done');
    assert.ok(mine.every((message) => message.to.users?.includes(admin.userId)));
  } finally {
    await client.end();
  }
});

test('a queued import can be followed to its end through GET /api/imports/:id', async () => {
  const response = await upload(
    admin,
    { module: 'contacts' },
    csvOf([
      ['firstName', 'lastName'],
      ['Follow', 'Me'],
    ]),
  );
  assert.equal(response.statusCode, 202, response.body);
  assert.ok(['queued', 'running', 'done'].includes(response.json().status));
  assert.equal((await finished(admin, response.json().id)).created, 1);
});

test('a cell holding a NUL character fails its row, not the import', async () => {
  const file = csvOf([
    ['firstName', 'lastName'],
    ['Nul', 'Bad\u0000Name'],
    ['Good', 'Name'],
  ]);
  const state = await imported(admin, { module: 'contacts' }, file);
  assert.deepEqual([state.status, state.created, state.failed], ['done', 1, 1]);
  assert.deepEqual(
    (await errorsOf(admin, state.id)).map((error) => [error.row, error.field]),
    [[2, 'lastName']],
  );
});

test('a job that stopped half-way resumes after its last committed batch', async () => {
  const file = csvOf([
    ['firstName', 'lastName'],
    ['Done', 'BeforeResume'],
    ['Done', 'BeforeResume'],
    ['Resumed', 'AfterResume'],
    ['Resumed', 'AfterResume'],
    ['Done', 'BeforeResume'],
    ['Done', 'BeforeResume'],
  ]);
  const row = await db
    .insertInto('imports')
    .values({
      module: 'contacts',
      fileName: 'resume.csv',
      format: 'csv',
      mode: 'create',
      mapping: JSON.stringify({ firstName: 'firstName', lastName: 'lastName' }),
      data: Buffer.from(file),
      status: 'running',
      processed: 4,
      // Batches of 2 rows run two at a time: the first and third committed before the job stopped.
      doneBatches: [0, 4],
      created: 4,
      createdBy: admin.userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await runImport(db, app.settings, row.id, { size: 2 });
  const state = (await admin.request('GET', `/api/imports/${row.id}`)).json();
  assert.deepEqual([state.status, state.processed, state.created], ['done', 6, 6]);
  assert.equal((await contactsWhere({ '==': [{ var: 'lastName' }, 'AfterResume'] })).length, 2);
  assert.equal((await contactsWhere({ '==': [{ var: 'lastName' }, 'BeforeResume'] })).length, 0);
  // Finished: running it again (a duplicate delivery) does nothing.
  await runImport(db, app.settings, row.id, { size: 2 });
  assert.equal((await contactsWhere({ '==': [{ var: 'lastName' }, 'AfterResume'] })).length, 2);
});
