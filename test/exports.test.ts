import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { exportModule } from '../server/data/exports.ts';
import { loadPrincipal } from '../server/platform/authz.ts';
import { createTestApp, login, type Session } from './helpers/app.ts';
import { csvOf, imported, startWorker } from './helpers/imports.ts';

const { app, db } = await createTestApp({ queue: true });
await startWorker(app, db);
const admin = await login(app);

async function created(session: Session, path: string, body: unknown) {
  const response = await session.request('POST', path, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

async function user(username: string, permissions: unknown) {
  const role = await created(admin, '/api/roles', { name: `role-${username}`, permissions });
  const made = await created(admin, '/api/users', {
    username,
    password: `${username}-password`,
    roleIds: [role.id],
  });
  return { session: await login(app, username, `${username}-password`), id: made.id as string };
}

async function exported(session: Session, module: string, where?: unknown) {
  const query = where === undefined ? '' : `?where=${encodeURIComponent(JSON.stringify(where))}`;
  const response = await session.request('GET', `/api/exports/${module}${query}`);
  assert.equal(response.statusCode, 200, response.body);
  assert.match(String(response.headers['content-type']), /^text\/csv/);
  assert.match(
    String(response.headers['content-disposition']),
    new RegExp(`attachment; filename="${module}-`),
  );
  const [header, ...rows] = parse(response.body) as string[][];
  return { header: header ?? [], rows };
}

// 1,500 contacts by import, with every kind of value a contact holds.
const seed = [['firstName', 'lastName', 'email', 'rating', 'dealvalue', 'doNotEmail', 'leadSource', 'tags']];
for (let i = 0; i < 1500; i++) {
  seed.push([
    `First${i}`,
    `Last${i}`,
    `p${i}@export.test`,
    String(i % 6),
    i % 3 === 0 ? '' : String(i * 10.25),
    i % 2 === 0 ? 'true' : 'false',
    i % 4 === 0 ? 'Web' : 'Referral',
    i % 5 === 0 ? '["vip","quoted, tag"]' : '',
  ]);
}
const seeded = await imported(admin, { module: 'contacts' }, csvOf(seed));
assert.equal(seeded.created, 1500, seeded.error ?? '');

test('a module exports every record, the header being the field names', async () => {
  const { header, rows } = await exported(admin, 'contacts');
  const module = (await admin.request('GET', '/api/modules/contacts')).json();
  assert.deepEqual(header, ['id', ...module.fields.map((field: { name: string }) => field.name)]);
  assert.equal(rows.length, 1500);
  const at = (row: string[] | undefined, name: string) => row?.[header.indexOf(name)];
  const first = rows.find((row) => at(row, 'email') === 'p5@export.test');
  assert.equal(at(first, 'rating'), '5');
  assert.equal(at(first, 'dealvalue'), '51.25');
  assert.equal(at(first, 'doNotEmail'), 'false');
  assert.equal(at(first, 'tags'), '["vip","quoted, tag"]');
  assert.equal(at(first, 'assignedTo'), admin.userId);
  assert.match(at(first, 'createdAt') ?? '', /^\d{4}-\d\d-\d\dT/);
});

test('small batches page through ties of creation time without a gap or a double', async () => {
  const principal = await loadPrincipal(db, admin.userId);
  assert.ok(principal);
  const whole = await exportModule(db, principal, 'contacts', undefined);
  const paged = await exportModule(db, principal, 'contacts', undefined, { batchSize: 70 });
  const text = async (body: AsyncIterable<unknown>) => {
    let out = '';
    for await (const chunk of body) out += String(chunk);
    return out;
  };
  const [a, b] = [await text(whole.body), await text(paged.body)];
  assert.equal(b, a);
  assert.equal(a.trim().split('\n').length, 1501);
});

test('where filters the export like a list', async () => {
  const { rows } = await exported(admin, 'contacts', { '==': [{ var: 'leadSource' }, 'Web'] });
  assert.equal(rows.length, 375);
  const bad = await admin.request('GET', '/api/exports/contacts?where=%7Bnope');
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.details[0].field, 'where');
});

test('an export holds only the records the caller may view', async () => {
  const own = await user('exp-own', { contacts: { view: 'own', create: 'own' } });
  await created(own.session, '/api/records/contacts', { firstName: 'Only', lastName: 'Mine' });
  const mine = await exported(own.session, 'contacts');
  assert.equal(mine.rows.length, 1);
  assert.equal(mine.rows[0]?.[mine.header.indexOf('lastName')], 'Mine');
  const none = await user('exp-none', { contacts: { view: 'none' } });
  assert.equal((await none.session.request('GET', '/api/exports/contacts')).statusCode, 403);
  assert.equal((await own.session.request('GET', '/api/exports')).statusCode, 403);
  assert.equal((await admin.request('GET', '/api/exports/ghosts')).statusCode, 404);
});

test('all data: an index of every module export (admin)', async () => {
  const response = await admin.request('GET', '/api/exports');
  assert.equal(response.statusCode, 200, response.body);
  const items = response.json().items as { module: string; url: string }[];
  assert.ok(items.some((item) => item.module === 'contacts' && item.url === '/api/exports/contacts'));
  for (const item of items.slice(0, 3)) {
    assert.equal((await admin.request('GET', item.url)).statusCode, 200, item.url);
  }
});

test('round trip: an export re-imported in update mode changes nothing', async () => {
  const before = await exported(admin, 'contacts');
  const changelog = await db
    .selectFrom('changelog')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  const events = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  const file = csvOf([before.header, ...before.rows]);
  const state = await imported(admin, { module: 'contacts', mode: 'update', keyField: 'id' }, file);
  assert.equal(state.status, 'done', state.error ?? '');
  const failures = (await admin.request('GET', `/api/imports/${state.id}/errors?limit=3`)).json().items;
  assert.deepEqual(failures, []);
  assert.deepEqual(
    [state.unchanged, state.updated, state.created, state.failed],
    [before.rows.length, 0, 0, 0],
  );
  const after = await exported(admin, 'contacts');
  assert.deepEqual(after, before);
  const changelogAfter = await db
    .selectFrom('changelog')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  const eventsAfter = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  assert.equal(Number(changelogAfter.n), Number(changelog.n));
  assert.equal(Number(eventsAfter.n), Number(events.n));
});
