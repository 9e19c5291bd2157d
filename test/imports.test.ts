import assert from 'node:assert/strict';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { type SqlBool, sql } from 'kysely';
import { csvOf, errorsOf, imported, importTestApp, upload, xlsxType } from './helpers/imports.ts';

const { db, admin, created, user, contactsWhere } = await importTestApp();

test('preview answers the header, the first rows and a mapping matched on names and labels', async () => {
  const file = csvOf([
    ['First Name', 'lastName', 'EMAIL', 'createdAt', 'Shoe size', 'Lead Source'],
    ['Ada', 'Lovelace', 'ada@example.com', '2020-01-01T00:00:00Z', '38', 'Web'],
    ['Alan', 'Turing', 'alan@example.com', '', '44', 'Referral'],
  ]);
  const response = await admin.request('POST', '/api/imports/preview?module=contacts&rows=1', file, {
    'content-type': 'text/csv',
  });
  assert.equal(response.statusCode, 200, response.body);
  const preview = response.json();
  assert.deepEqual(preview.header, [
    'First Name',
    'lastName',
    'EMAIL',
    'createdAt',
    'Shoe size',
    'Lead Source',
  ]);
  assert.deepEqual(preview.rows, [
    ['Ada', 'Lovelace', 'ada@example.com', '2020-01-01T00:00:00Z', '38', 'Web'],
  ]);
  assert.equal(preview.total, 2);
  assert.deepEqual(preview.mapping, {
    'First Name': 'firstName',
    lastName: 'lastName',
    EMAIL: 'email',
    // Read-only: what Weft sets itself is not imported.
    createdAt: null,
    'Shoe size': null,
    'Lead Source': 'leadSource',
  });
  assert.ok(preview.fields.some((field: { name: string }) => field.name === 'assignedTo'));

  const cases: [string, string, Record<string, string>, string][] = [
    ['unknown module', 'module=ghosts', { 'content-type': 'text/csv' }, '404'],
    ['unsupported type', 'module=contacts', { 'content-type': 'application/pdf' }, '415'],
  ];
  for (const [name, query, headers, status] of cases) {
    const bad = await admin.request('POST', `/api/imports/preview?${query}`, file, headers);
    assert.equal(String(bad.statusCode), status, `${name}: ${bad.body}`);
  }
  const empty = await admin.request('POST', '/api/imports/preview?module=contacts', '', {
    'content-type': 'text/csv',
  });
  assert.equal(empty.statusCode, 400, empty.body);
});

test('bad requests are 400s naming the parameter', async () => {
  const file = csvOf([
    ['firstName', 'lastName', 'email'],
    ['A', 'B', 'a@example.com'],
  ]);
  const cases: [Record<string, string>, string][] = [
    [{ module: 'contacts', mapping: '{nope' }, 'mapping'],
    [{ module: 'contacts', mapping: JSON.stringify({ firstName: 'shoeSize' }) }, 'mapping'],
    [{ module: 'contacts', mapping: JSON.stringify({ nothere: 'firstName' }) }, 'mapping'],
    [{ module: 'contacts', mapping: JSON.stringify({ firstName: 'createdAt' }) }, 'mapping'],
    [{ module: 'contacts', mode: 'update' }, 'keyField'],
    [{ module: 'contacts', mode: 'update', keyField: 'phone' }, 'keyField'],
    [{ module: 'contacts', mode: 'sideways' }, 'mode'],
    [
      { module: 'contacts', mode: 'skip', keyField: 'tags', mapping: JSON.stringify({ firstName: 'tags' }) },
      'keyField',
    ],
  ];
  for (const [query, field] of cases) {
    const response = await upload(admin, query, file);
    assert.equal(response.statusCode, 400, `${JSON.stringify(query)}: ${response.body}`);
    assert.equal(response.json().error.details[0].field.replace(/^querystring\./, ''), field, response.body);
  }
});

test('create mode: good rows are created, bad rows reported with row, field and reason and not written', async () => {
  const file = csvOf([
    ['firstName', 'lastName', 'email', 'rating', 'doNotCall', 'leadSource', 'tags'],
    ['Grace', 'Hopper', 'grace@create.test', '5', 'yes', 'Web', 'navy, cobol'],
    ['Bad', 'Email', 'not-an-email', '3', 'no', 'Web', ''],
    ['Bad', 'Rating', 'rating@create.test', 'lots', 'no', 'Web', ''],
    ['NoLast', '', 'nolast@create.test', '1', 'no', 'Web', ''],
    ['Bad', 'Source', 'source@create.test', '1', 'maybe', 'Pigeon', ''],
    ['Edsger', 'Dijkstra', 'edsger@create.test', '', '', '', ''],
  ]);
  const state = await imported(admin, { module: 'contacts', tags: 'imported' }, file);
  assert.equal(state.status, 'done', state.error ?? '');
  assert.deepEqual(
    [state.total, state.processed, state.created, state.failed, state.updated],
    [6, 6, 2, 4, 0],
  );
  const errors = await errorsOf(admin, state.id);
  const summary = errors.map((error) => `${error.row}:${error.field}`).sort();
  assert.deepEqual(summary, ['3:email', '4:rating', '5:lastName', '6:doNotCall'].sort());
  assert.ok(errors.every((error) => error.reason.length > 0));

  const rows = await contactsWhere({
    in: [
      { var: 'email' },
      [
        'grace@create.test',
        'edsger@create.test',
        'not-an-email',
        'rating@create.test',
        'nolast@create.test',
        'source@create.test',
      ],
    ],
  });
  assert.deepEqual(rows.map((row) => row.email).sort(), ['edsger@create.test', 'grace@create.test']);
  const grace = rows.find((row) => row.email === 'grace@create.test') as Record<string, unknown>;
  assert.equal(grace.rating, 5);
  assert.equal(grace.doNotCall, true);
  assert.deepEqual(grace.tags, ['navy', 'cobol', 'imported']);
  assert.equal(grace.assignedTo, admin.userId);
  assert.equal(grace.createdBy, admin.userId);

  // Every imported record has its changelog row and its events, as a record created by hand.
  const ids = rows.map((row) => String(row.id));
  const changelog = await db.selectFrom('changelog').selectAll().where('recordId', 'in', ids).execute();
  assert.deepEqual(
    changelog.map((row) => row.action),
    ['create', 'create'],
  );
  assert.ok('firstName' in (changelog[0]?.changes ?? {}));
  const events = await db
    .selectFrom('events')
    .select(['type', 'recordId', 'payload'])
    .where('recordId', 'in', ids)
    .execute();
  assert.equal(events.filter((event) => event.type === 'record.created').length, 2);
  assert.deepEqual(
    events
      .filter((event) => event.type === 'tag.added' && event.recordId === grace.id)
      .map((event) => (event.payload as { tag: string }).tag)
      .sort(),
    ['cobol', 'imported', 'navy'],
  );
});

test('update mode updates matched records, creates the rest; skip mode skips matches', async () => {
  const existing = await created(admin, '/api/records/contacts', {
    firstName: 'Katherine',
    lastName: 'Johnson',
    email: 'kj@update.test',
    title: 'Mathematician',
    phone: '555-0101',
  });
  const same = await created(admin, '/api/records/contacts', {
    firstName: 'Dorothy',
    lastName: 'Vaughan',
    email: 'dv@update.test',
  });
  const file = csvOf([
    ['email', 'firstName', 'lastName', 'title', 'phone'],
    ['kj@update.test', 'Katherine', 'Johnson', 'Research Mathematician', ''],
    ['dv@update.test', 'Dorothy', 'Vaughan', '', ''],
    ['mj@update.test', 'Mary', 'Jackson', 'Engineer', ''],
    ['bad@update.test', 'Bad', 'Rating', 'x'.repeat(300), ''],
  ]);
  const updated = await imported(admin, { module: 'contacts', mode: 'update', keyField: 'email' }, file);
  assert.equal(updated.status, 'done', updated.error ?? '');
  assert.deepEqual(
    [updated.updated, updated.unchanged, updated.created, updated.failed, updated.skipped],
    [1, 1, 1, 1, 0],
  );
  assert.deepEqual(
    (await errorsOf(admin, updated.id)).map((error) => [error.row, error.field]),
    [[5, 'title']],
  );
  const after = (await admin.request('GET', `/api/records/contacts/${existing.id}`)).json();
  assert.equal(after.title, 'Research Mathematician');
  // An empty cell clears an optional field of the matched record.
  assert.equal(after.phone, null);
  const history = await db
    .selectFrom('changelog')
    .select(['action', 'changes'])
    .where('recordId', '=', existing.id)
    .orderBy('id')
    .execute();
  assert.deepEqual(
    history.map((row) => row.action),
    ['create', 'update'],
  );
  assert.deepEqual(Object.keys(history[1]?.changes ?? {}).sort(), ['phone', 'title']);
  const events = await db.selectFrom('events').select('type').where('recordId', '=', same.id).execute();
  assert.deepEqual(
    events.map((event) => event.type),
    ['record.created'],
    'an unchanged record gets no event',
  );

  // Ids match whatever their case.
  const byId = await imported(
    admin,
    { module: 'contacts', mode: 'update', keyField: 'id' },
    csvOf([
      ['id', 'title'],
      [String(existing.id).toUpperCase(), 'Head of Research'],
    ]),
  );
  assert.deepEqual([byId.updated, byId.created], [1, 0]);
  const skipped = await imported(
    admin,
    { module: 'contacts', mode: 'skip', keyField: 'email' },
    file.replace('mj@update.test', 'new@update.test'),
  );
  assert.deepEqual([skipped.skipped, skipped.created, skipped.updated, skipped.failed], [2, 1, 0, 1]);
  assert.equal((await contactsWhere({ '==': [{ var: 'email' }, 'mj@update.test'] })).length, 1);
});

test('a unique violation fails its row only: the rest of the batch is written', async () => {
  const field = await admin.request('POST', '/api/modules/contacts/fields', {
    name: 'externalId',
    label: 'External Id',
    type: 'text',
    unique: true,
  });
  assert.equal(field.statusCode, 201, field.body);
  const rows = [['externalId', 'firstName', 'lastName']];
  for (let i = 0; i < 1200; i++) rows.push([`ext-${i}`, 'Unique', `Row ${i}`]);
  rows.push(['ext-7', 'Duplicate', 'Of seven']);
  rows.push(['ext-1300', 'Unique', 'After']);
  const state = await imported(admin, { module: 'contacts' }, csvOf(rows));
  assert.equal(state.status, 'done', state.error ?? '');
  assert.deepEqual([state.created, state.failed], [1201, 1]);
  assert.deepEqual(await errorsOf(admin, state.id), [
    { row: 1202, field: 'externalId', reason: 'is already used by another record' },
  ]);
  assert.equal((await contactsWhere({ '==': [{ var: 'lastName' }, 'Of seven'] })).length, 0);
  const count = await db
    .selectFrom('importRecords')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('importId', '=', state.id)
    .executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 1201);
  const orphans = await db
    .selectFrom('changelog')
    .select('id')
    .where(sql<SqlBool>`changes @> ${JSON.stringify({ lastName: { after: 'Of seven' } })}::jsonb`)
    .execute();
  assert.equal(orphans.length, 0, 'the failed row left no changelog row');
});

test('routing assigns created records in turn; a row with an assignee keeps it', async () => {
  const r1 = await created(admin, '/api/users', { username: 'imp-r1', password: 'imp-r1-password' });
  const r2 = await created(admin, '/api/users', { username: 'imp-r2', password: 'imp-r2-password' });
  const settings = await admin.request('PUT', '/api/routing/opportunities', {
    enabled: true,
    mode: 'roundRobin',
    userIds: [r1.id, r2.id],
  });
  assert.equal(settings.statusCode, 200, settings.body);
  const rows = [['name', 'assignedTo']];
  for (let i = 0; i < 4; i++) rows.push([`routed ${i}`, '']);
  rows.push(['mine', 'admin']);
  const state = await imported(admin, { module: 'opportunities', route: true }, csvOf(rows));
  assert.equal(state.created, 5, state.error ?? '');
  const { rows: records } = await sql<{ name: string; assignedTo: string }>`
    select o.name, o.assigned_to from import_records r join rec_opportunities o on o.id = r.record_id
    where r.import_id = ${state.id}
  `.execute(db);
  const byName = Object.fromEntries(records.map((record) => [record.name, record.assignedTo]));
  const turns = [0, 1, 2, 3].map((i) => byName[`routed ${i}`]);
  assert.deepEqual(new Set(turns), new Set([r1.id, r2.id]));
  assert.equal(byName.mine, admin.userId);
  const counter = await db
    .selectFrom('routingCounters')
    .select('turns')
    .where('module', '=', 'opportunities')
    .executeTakeFirstOrThrow();
  assert.equal(Number(counter.turns), 4);

  const unrouted = await imported(admin, { module: 'opportunities' }, csvOf([['name'], ['not routed']]));
  assert.equal(unrouted.created, 1);
  assert.equal((await errorsOf(admin, unrouted.id)).length, 0);
});

test('rollback deletes the created records, says it cannot undo updates, and runs once', async () => {
  const kept = await created(admin, '/api/records/contacts', {
    firstName: 'Keep',
    lastName: 'Me',
    email: 'keep@rollback.test',
    title: 'Old',
  });
  const file = csvOf([
    ['email', 'firstName', 'lastName', 'title'],
    ['keep@rollback.test', 'Keep', 'Me', 'New'],
    ['a@rollback.test', 'A', 'Rollback', ''],
    ['b@rollback.test', 'B', 'Rollback', ''],
  ]);
  const state = await imported(admin, { module: 'contacts', mode: 'update', keyField: 'email' }, file);
  assert.deepEqual([state.created, state.updated], [2, 1]);
  const createdIds = (await contactsWhere({ '==': [{ var: 'lastName' }, 'Rollback'] })).map((row) =>
    String(row.id),
  );
  assert.equal(createdIds.length, 2);

  const other = await user('imp-viewer', {
    contacts: { view: 'all', create: 'all', update: 'all', delete: 'all' },
  });
  assert.equal((await other.request('POST', `/api/imports/${state.id}/rollback`)).statusCode, 404);

  const response = await admin.request('POST', `/api/imports/${state.id}/rollback`);
  assert.equal(response.statusCode, 200, response.body);
  const result = response.json();
  assert.deepEqual([result.deleted, result.missing, result.notReverted], [2, 0, 1]);
  assert.match(result.message, /cannot undo/);
  assert.equal((await contactsWhere({ '==': [{ var: 'lastName' }, 'Rollback'] })).length, 0);
  assert.equal((await admin.request('GET', `/api/records/contacts/${kept.id}`)).json().title, 'New');
  const deletes = await db
    .selectFrom('events')
    .select('recordId')
    .where('type', '=', 'record.deleted')
    .where('recordId', 'in', createdIds)
    .execute();
  assert.equal(deletes.length, 2);
  const changelog = await db
    .selectFrom('changelog')
    .select('recordId')
    .where('action', '=', 'delete')
    .where('recordId', 'in', createdIds)
    .execute();
  assert.equal(changelog.length, 2);
  assert.equal((await admin.request('GET', `/api/imports/${state.id}`)).json().status, 'rolledBack');
  assert.equal((await admin.request('POST', `/api/imports/${state.id}/rollback`)).statusCode, 409);
});

test('an XLSX file imports like a CSV one, its dates and numbers as values', async () => {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Contacts');
  sheet.addRow(['firstName', 'lastName', 'Email', 'Deal Value', 'Do Not Email']);
  sheet.addRow(['Hedy', 'Lamarr', 'hedy@xlsx.test', 1234.5, true]);
  sheet.addRow(['Ida', 'Rhodes', 'ida@xlsx.test', 99, false]);
  const file = Buffer.from(await workbook.xlsx.writeBuffer());
  const preview = await admin.request('POST', '/api/imports/preview?module=contacts', file, {
    'content-type': xlsxType,
  });
  assert.equal(preview.statusCode, 200, preview.body);
  assert.equal(preview.json().format, 'xlsx');
  assert.deepEqual(preview.json().rows[0], ['Hedy', 'Lamarr', 'hedy@xlsx.test', '1234.5', 'true']);
  const state = await imported(admin, { module: 'contacts', fileName: 'people.xlsx' }, file, xlsxType);
  assert.deepEqual([state.created, state.failed], [2, 0], state.error ?? '');
  const [hedy] = await contactsWhere({ '==': [{ var: 'email' }, 'hedy@xlsx.test'] });
  assert.equal(hedy?.dealvalue, 1234.5);
  assert.equal(hedy?.doNotEmail, true);
  const history = (await admin.request('GET', '/api/imports?limit=100')).json().items;
  assert.ok(
    history.some(
      (item: { fileName: string; format: string }) =>
        item.fileName === 'people.xlsx' && item.format === 'xlsx',
    ),
  );
});
