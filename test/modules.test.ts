import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, login } from './helpers/app.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

async function columnsOf(table: string) {
  const { rows } = await sql<{ column_name: string; data_type: string; is_nullable: string }>`
    select column_name, data_type, is_nullable from information_schema.columns where table_name = ${table}
  `.execute(db.withoutPlugins());
  return new Map(rows.map((row) => [row.column_name, row]));
}

async function indexesOf(table: string) {
  const { rows } = await sql<{ indexname: string; indexdef: string }>`
    select indexname, indexdef from pg_indexes where tablename = ${table}
  `.execute(db.withoutPlugins());
  return rows;
}

test('the standard modules exist with X2CRM field names and real columns', async () => {
  const response = await admin.request('GET', '/api/modules');
  assert.equal(response.statusCode, 200);
  const modules = response.json().items as { name: string; fields: { name: string; system: boolean }[] }[];
  assert.deepEqual(modules.map((m) => m.name).sort(), [
    'accounts',
    'bugreports',
    'cases',
    'contacts',
    'opportunities',
    'tasks',
  ]);
  const contacts = modules.find((m) => m.name === 'contacts');
  for (const name of [
    'firstName',
    'lastName',
    'email',
    'leadSource',
    'doNotEmail',
    'assignedTo',
    'visibility',
    'tags',
  ]) {
    assert.ok(
      contacts?.fields.some((f) => f.name === name && f.system),
      name,
    );
  }
  const columns = await columnsOf('rec_contacts');
  for (const column of [
    'id',
    'first_name',
    'last_name',
    'lead_source',
    'do_not_email',
    'assigned_to',
    'created_by',
    'tags',
  ]) {
    assert.ok(columns.has(column), column);
  }
  assert.equal(columns.get('tags')?.data_type, 'ARRAY');
  const cases = modules.find((m) => m.name === 'cases');
  for (const name of ['impact', 'status', 'origin', 'mainIssue', 'subIssue', 'resolution']) {
    assert.ok(
      cases?.fields.some((f) => f.name === name),
      name,
    );
  }
});

test('a custom module gets a table, and each field a column of its type with its indexes', async () => {
  const created = await admin.request('POST', '/api/modules', {
    name: 'projects',
    label: 'Projects',
    itemName: 'Project',
    fields: [
      { name: 'code', label: 'Code', type: 'text', unique: true, required: true },
      { name: 'budget', label: 'Budget', type: 'currency', options: { currency: 'EUR' } },
      { name: 'startDate', label: 'Start', type: 'date' },
      { name: 'active', label: 'Active', type: 'boolean', defaultValue: true },
      { name: 'stage', label: 'Stage', type: 'dropdown', options: { choices: ['a', 'b'] }, searchable: true },
      { name: 'labels', label: 'Labels', type: 'dropdown', options: { choices: ['x', 'y'], multiple: true } },
      { name: 'client', label: 'Client', type: 'link', options: { module: 'accounts' } },
      { name: 'score', label: 'Score', type: 'rating' },
    ],
  });
  assert.equal(created.statusCode, 201, created.body);
  const module = created.json();
  assert.equal(module.table, 'rec_projects');
  assert.equal(module.custom, true);
  assert.ok(module.fields.some((f: { name: string }) => f.name === 'name'));
  const columns = await columnsOf('rec_projects');
  assert.equal(columns.get('code')?.data_type, 'text');
  assert.equal(columns.get('code')?.is_nullable, 'NO');
  assert.equal(columns.get('budget')?.data_type, 'numeric');
  assert.equal(columns.get('start_date')?.data_type, 'date');
  assert.equal(columns.get('active')?.data_type, 'boolean');
  assert.equal(columns.get('labels')?.data_type, 'ARRAY');
  assert.equal(columns.get('client')?.data_type, 'uuid');
  assert.equal(columns.get('score')?.data_type, 'smallint');
  const indexes = await indexesOf('rec_projects');
  assert.ok(indexes.some((i) => i.indexname === 'rec_projects_code_key' && /UNIQUE/.test(i.indexdef)));
  assert.ok(
    indexes.some((i) => i.indexname === 'rec_projects_stage_search' && /gin_trgm_ops/.test(i.indexdef)),
  );
});

test('field names and options are checked, each error naming the field', async () => {
  const cases: [unknown, number, string][] = [
    [{ name: 'First Name', label: 'x', type: 'text' }, 400, 'name'],
    [{ name: `a${'B'.repeat(31)}`, label: 'x', type: 'text' }, 400, 'name'],
    [{ name: 'firstName', label: 'x', type: 'text' }, 409, 'name'],
    [{ name: 'id', label: 'x', type: 'text' }, 409, 'name'],
    [{ name: 'other', label: 'x', type: 'link', options: {} }, 400, 'options'],
    [{ name: 'other', label: 'x', type: 'link', options: { module: 'nothere' } }, 400, 'options.module'],
    [{ name: 'other', label: 'x', type: 'number', defaultValue: 'ten' }, 400, 'defaultValue'],
    [{ name: 'other', label: 'x', type: 'nope' }, 400, 'type'],
  ];
  for (const [body, status, field] of cases) {
    const response = await admin.request('POST', '/api/modules/contacts/fields', body);
    assert.equal(response.statusCode, status, JSON.stringify(body) + response.body);
    assert.ok(
      response.json().error.details.some((d: { field: string }) => d.field === field),
      `${JSON.stringify(body)} → ${response.body}`,
    );
  }
});

test('adding, customising and removing a field changes the column in step', async () => {
  const added = await admin.request('POST', '/api/modules/contacts/fields', {
    name: 'shoeSize',
    label: 'Shoe size',
    type: 'number',
  });
  assert.equal(added.statusCode, 201, added.body);
  assert.ok((await columnsOf('rec_contacts')).has('shoe_size'));

  const patched = await admin.request('PATCH', '/api/modules/contacts/fields/shoeSize', {
    label: 'Shoe Size',
    unique: true,
    searchable: true,
  });
  assert.equal(patched.statusCode, 200, patched.body);
  const indexes = await indexesOf('rec_contacts');
  assert.ok(indexes.some((i) => i.indexname === 'rec_contacts_shoe_size_key'));

  await sql`insert into rec_contacts (first_name, last_name, shoe_size) values ('A', 'B', 42)`.execute(db);
  const unconfirmed = await admin.request('DELETE', '/api/modules/contacts/fields/shoeSize');
  assert.equal(unconfirmed.statusCode, 409);
  assert.equal(unconfirmed.json().error.details[0].records, 1);
  assert.ok((await columnsOf('rec_contacts')).has('shoe_size'));

  const confirmed = await admin.request('DELETE', '/api/modules/contacts/fields/shoeSize?confirm=true');
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  assert.ok(!(await columnsOf('rec_contacts')).has('shoe_size'));
});

test('standard fields and standard modules cannot be removed', async () => {
  const field = await admin.request('DELETE', '/api/modules/contacts/fields/firstName?confirm=true');
  assert.equal(field.statusCode, 422);
  const module = await admin.request('DELETE', '/api/modules/contacts');
  assert.equal(module.statusCode, 422);
  assert.ok((await columnsOf('rec_contacts')).has('first_name'));
});

test('only admins change modules; every user reads them', async () => {
  const created = await admin.request('POST', '/api/users', {
    username: 'plain',
    password: 'plain-password',
  });
  assert.equal(created.statusCode, 201, created.body);
  const plain = await login(app, 'plain', 'plain-password');
  assert.equal((await plain.request('GET', '/api/modules/contacts')).statusCode, 200);
  const refused = await plain.request('POST', '/api/modules', { name: 'sneaky', label: 'Sneaky' });
  assert.equal(refused.statusCode, 403);
  assert.equal(
    (await plain.request('DELETE', '/api/modules/contacts/fields/email?confirm=true')).statusCode,
    403,
  );
});

test('a custom module exports as a file and imports under another name; renaming and deleting it', async () => {
  const dropdown = await admin.request('POST', '/api/dropdowns', {
    name: 'Phase',
    options: [
      { value: 'plan', label: 'Plan' },
      { value: 'build', label: 'Build' },
    ],
  });
  assert.equal(dropdown.statusCode, 201, dropdown.body);
  const phase = await admin.request('POST', '/api/modules/projects/fields', {
    name: 'phase',
    label: 'Phase',
    type: 'dropdown',
    options: { dropdownId: dropdown.json().id },
  });
  assert.equal(phase.statusCode, 201, phase.body);
  await db
    .insertInto('layouts')
    .values({
      module: 'projects',
      name: 'Main',
      definition: JSON.stringify({
        sections: [{ rows: [{ columns: [{ fields: ['name', 'code', 'phase'] }] }] }],
      }),
      defaultForm: true,
    })
    .execute();
  const exported = await admin.request('GET', '/api/modules/projects/export');
  assert.equal(exported.statusCode, 200, exported.body);
  const file = exported.json();
  assert.equal(file.format, 'weft.module');
  assert.equal(file.layouts.length, 1);
  assert.deepEqual(
    file.dropdowns.map((d: { name: string }) => d.name),
    ['Phase'],
  );
  assert.ok(file.module.fields.some((f: { name: string }) => f.name === 'budget'));

  file.module.name = 'projects2';
  const imported = await admin.request('POST', '/api/modules/import', file);
  assert.equal(imported.statusCode, 201, imported.body);
  assert.ok((await columnsOf('rec_projects2')).has('budget'));
  const copy = imported.json();
  assert.equal(
    copy.fields.find((f: { name: string }) => f.name === 'phase').options.dropdownId,
    dropdown.json().id,
  );
  const layouts = await db.selectFrom('layouts').select('name').where('module', '=', 'projects2').execute();
  assert.deepEqual(layouts, [{ name: 'Main' }]);
  const again = await admin.request('POST', '/api/modules/import', file);
  assert.equal(again.statusCode, 409);

  const renamed = await admin.request('PATCH', '/api/modules/projects2', { label: 'Projects II' });
  assert.equal(renamed.json().label, 'Projects II');
  assert.equal((await admin.request('DELETE', '/api/modules/projects2')).statusCode, 204);
  assert.equal((await columnsOf('rec_projects2')).size, 0);
  assert.equal((await admin.request('GET', '/api/modules/projects2')).statusCode, 404);
  assert.equal(
    (await db.selectFrom('layouts').select('id').where('module', '=', 'projects2').execute()).length,
    0,
  );
});

test('a module deleted and created again validates against its new fields', async () => {
  const first = await admin.request('POST', '/api/modules', {
    name: 'gadgets',
    label: 'Gadgets',
    fields: [{ name: 'size', label: 'Size', type: 'number' }],
  });
  assert.equal(first.statusCode, 201);
  assert.equal((await admin.request('POST', '/api/records/gadgets', { name: 'g', size: 3 })).statusCode, 201);
  const unconfirmed = await admin.request('DELETE', '/api/modules/gadgets');
  assert.equal(unconfirmed.statusCode, 409, 'it holds a record');
  assert.match(unconfirmed.json().error.message, /Gadgets holds 1 record; confirm with 1/);
  assert.equal((await admin.request('DELETE', '/api/modules/gadgets?confirm=1')).statusCode, 204);
  await admin.request('POST', '/api/modules', {
    name: 'gadgets',
    label: 'Gadgets',
    fields: [{ name: 'colour', label: 'Colour', type: 'text' }],
  });
  const stale = await admin.request('POST', '/api/records/gadgets', { name: 'g', size: 3 });
  assert.equal(stale.statusCode, 400);
  assert.equal(stale.json().error.details[0].field, 'size');
  assert.equal(
    (await admin.request('POST', '/api/records/gadgets', { name: 'g', colour: 'red' })).statusCode,
    201,
  );
});

test('a module that link fields target cannot be deleted until they go', async () => {
  await admin.request('POST', '/api/modules', { name: 'owners', label: 'Owners' });
  await admin.request('POST', '/api/modules', {
    name: 'pets',
    label: 'Pets',
    fields: [{ name: 'owner', label: 'Owner', type: 'link', options: { module: 'owners' } }],
  });
  const refused = await admin.request('DELETE', '/api/modules/owners');
  assert.equal(refused.statusCode, 409);
  assert.match(refused.json().error.message, /pets\.owner/);
  assert.equal(
    (await admin.request('DELETE', '/api/modules/pets/fields/owner?confirm=true')).statusCode,
    200,
  );
  assert.equal((await admin.request('DELETE', '/api/modules/owners')).statusCode, 204);
});

test('a required field is NOT NULL in PostgreSQL only when no record lacks it, and required by the API always', async () => {
  await admin.request('POST', '/api/modules', { name: 'parcels', label: 'Parcels' });
  assert.equal((await admin.request('POST', '/api/records/parcels', { name: 'old' })).statusCode, 201);
  const withoutDefault = await admin.request('POST', '/api/modules/parcels/fields', {
    name: 'weight',
    label: 'Weight',
    type: 'number',
    required: true,
  });
  assert.equal(withoutDefault.statusCode, 201, withoutDefault.body);
  const withDefault = await admin.request('POST', '/api/modules/parcels/fields', {
    name: 'fragile',
    label: 'Fragile',
    type: 'boolean',
    required: true,
    defaultValue: false,
  });
  assert.equal(withDefault.statusCode, 201, withDefault.body);
  const columns = await columnsOf('rec_parcels');
  assert.equal(columns.get('weight')?.is_nullable, 'YES', 'an existing record has no weight');
  assert.equal(columns.get('fragile')?.is_nullable, 'NO', 'the default filled every record');
  const missing = await admin.request('POST', '/api/records/parcels', { name: 'new' });
  assert.equal(missing.statusCode, 400);
  assert.deepEqual(missing.json().error.details, [{ field: 'weight', reason: 'is required' }]);
  const ok = await admin.request('POST', '/api/records/parcels', { name: 'new', weight: 2 });
  assert.equal(ok.json().fragile, false);
});
