import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';

const { app } = await createTestApp();
const admin = await login(app);

const created = await admin.request('POST', '/api/modules', {
  name: 'projects',
  label: 'Projects',
  itemName: 'Project',
});
assert.equal(created.statusCode, 201, created.body);
const fieldsOf = async () =>
  (await admin.request('GET', '/api/modules/projects')).json().fields as Array<Record<string, unknown>>;
const custom = (fields: Array<Record<string, unknown>>) => fields.filter((f) => !f.system);
const editable = (fields: Array<Record<string, unknown>>) =>
  fields.map(
    ({ name, label, type, required, unique, searchable, readOnly, defaultValue, options, position }) => ({
      name,
      label,
      type,
      required,
      unique,
      searchable,
      readOnly,
      defaultValue,
      options,
      position,
    }),
  );

test('a module’s fields as one document: preview, then apply added, altered and removed in one transaction', async () => {
  await admin.request('POST', '/api/modules/projects/fields', {
    name: 'budget',
    label: 'Budget',
    type: 'currency',
  });
  await admin.request('POST', '/api/modules/projects/fields', { name: 'code', label: 'Code', type: 'text' });
  const record = await admin.request('POST', '/api/records/projects', { name: 'Apollo', code: 'AP' });
  assert.equal(record.statusCode, 201, record.body);

  const before = editable(await fieldsOf());
  const next = [
    ...before
      .filter((f) => f.name !== 'code')
      .map((f) => (f.name === 'budget' ? { ...f, label: 'Budget (EUR)' } : f)),
    { name: 'phase', label: 'Phase', type: 'text' },
  ];
  const preview = await admin.request('PUT', '/api/modules/projects/definition', {
    fields: next,
    dryRun: true,
  });
  assert.equal(preview.statusCode, 200, preview.body);
  assert.deepEqual(preview.json(), {
    added: [{ name: 'phase', type: 'text' }],
    removed: [{ name: 'code', records: 1 }],
    altered: [{ name: 'budget', changes: { label: 'Budget (EUR)' } }],
    applied: false,
  });
  assert.ok(
    (await fieldsOf()).some((f) => f.name === 'code'),
    'a preview changes nothing',
  );

  const refused = await admin.request('PUT', '/api/modules/projects/definition', { fields: next });
  assert.equal(refused.statusCode, 409, refused.body);
  assert.match(refused.body, /deletes its value in 1 records/);
  assert.ok(
    (await fieldsOf()).some((f) => f.name === 'code'),
    'nothing applied when one change is refused',
  );

  const applied = await admin.request('PUT', '/api/modules/projects/definition', {
    fields: next,
    confirm: true,
  });
  assert.equal(applied.statusCode, 200, applied.body);
  assert.equal(applied.json().applied, true);
  const after = custom(await fieldsOf());
  const byName = new Map(after.map((f) => [f.name, f]));
  assert.equal(byName.get('budget')?.label, 'Budget (EUR)');
  assert.equal(byName.get('phase')?.type, 'text');
  assert.ok(!byName.has('code'));
});

test('a type change or a bad field is a 400 naming it, and nothing is applied', async () => {
  const fields = editable(await fieldsOf());
  const retyped = fields.map((f) => (f.name === 'budget' ? { ...f, type: 'text' } : f));
  const response = await admin.request('PUT', '/api/modules/projects/definition', { fields: retyped });
  assert.equal(response.statusCode, 400, response.body);
  assert.match(response.body, /the type of budget cannot change/);
  const bad = await admin.request('PUT', '/api/modules/projects/definition', {
    fields: [...fields, { name: 'Bad Name', label: 'x', type: 'text' }],
  });
  assert.equal(bad.statusCode, 400, bad.body);
  const twice = await admin.request('PUT', '/api/modules/projects/definition', {
    fields: [...fields, { name: 'phase', label: 'Again', type: 'text' }],
  });
  assert.equal(twice.statusCode, 400, twice.body);
  assert.match(twice.body, /used twice/);
});
