import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { ExportedDropdown } from '../schemas/dropdowns.ts';
import { WeftError } from '../server/platform/errors.ts';
import {
  exportStudio,
  importStudioDropdowns,
  importStudioLayouts,
} from '../server/studio/studio-transfer.ts';
import { createTestApp, login } from './helpers/app.ts';

const { app, db } = await createTestApp();
const admin = await login(app);
const base = '/api/modules/contacts/layouts';

type Fields = string[][];
/** One section whose rows are given as lists of columns, each a list of field names. */
const layout = (name: string, rows: Fields[], section: Record<string, unknown> = {}) => ({
  name,
  sections: [
    {
      title: 'Main',
      ...section,
      rows: rows.map((columns) => ({ columns: columns.map((fields) => ({ fields })) })),
    },
  ],
});
const names = ['firstName', 'lastName'];

async function create(body: unknown, url = base) {
  const response = await admin.request('POST', url, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string; warnings: { field: string; reason: string }[] }>();
}

function problems(response: { statusCode: number; json: () => unknown }, status = 400) {
  assert.equal(response.statusCode, status);
  const { error } = response.json() as { error: { details: { field: string; reason: string }[] } };
  return error.details.map((problem) => `${problem.field}: ${problem.reason}`);
}

test('a module without layouts answers a generated one: its fields in order, two to a row', async () => {
  const form = (await admin.request('GET', `${base}/default?kind=form`)).json();
  assert.equal(form.generated, true);
  assert.equal(form.id, null);
  const rows = form.sections[0].rows.map((row: { columns: { fields: string[] }[] }) =>
    row.columns.map((column) => column.fields),
  );
  assert.deepEqual(rows[0], [['firstName'], ['lastName']]);
  assert.deepEqual(rows[1], [['title'], ['company']]);
  const formFields = rows.flat(2);
  assert.ok(!formFields.includes('createdAt'), 'a form leaves out read-only fields');
  const view = (await admin.request('GET', `${base}/default?kind=view`)).json();
  assert.ok(JSON.stringify(view.sections).includes('"createdAt"'), 'a view shows every field');
  assert.equal((await admin.request('GET', `${base}/default`)).statusCode, 400);
  assert.equal((await admin.request('GET', '/api/modules/nosuch/layouts/default?kind=form')).statusCode, 404);
});

test('create, read, list, replace and delete a layout', async () => {
  const created = await create(
    layout('Compact', [[['firstName'], ['lastName']], [['email', 'phone']]], {
      collapsible: true,
      collapsed: true,
    }),
  );
  assert.deepEqual(created.warnings, []);
  const read = (await admin.request('GET', `${base}/${created.id}`)).json();
  assert.equal(read.name, 'Compact');
  assert.equal(read.module, 'contacts');
  assert.deepEqual(read.sections[0].rows[1].columns[0].fields, ['email', 'phone']);
  assert.equal(read.sections[0].collapsed, true);
  assert.equal(read.defaultForm, false);

  const listed = (await admin.request('GET', base)).json();
  assert.ok(listed.items.some((item: { id: string }) => item.id === created.id));

  const replaced = await admin.request('PUT', `${base}/${created.id}`, layout('Tiny', [[names]]));
  assert.equal(replaced.statusCode, 200, replaced.body);
  assert.equal(replaced.json().name, 'Tiny');
  assert.deepEqual(replaced.json().sections[0].rows, [{ columns: [{ fields: names }] }]);
  assert.equal(replaced.json().sections[0].collapsible, false, 'defaults filled in');

  assert.equal((await admin.request('POST', base, layout('tiny', [[names]]))).statusCode, 409);
  assert.equal((await admin.request('DELETE', `${base}/${created.id}`)).statusCode, 204);
  assert.equal((await admin.request('GET', `${base}/${created.id}`)).statusCode, 404);
  assert.equal((await admin.request('GET', `/api/modules/accounts/layouts/${created.id}`)).statusCode, 404);
});

test('bad layouts are refused with the path of each problem', async () => {
  const cases: { body: unknown; expected: string[] }[] = [
    {
      body: layout('Unknown', [[names], [['email', 'phone', 'faxNumber']]]),
      expected: ['sections[0].rows[1].columns[0].fields[2]: "faxNumber" is not a field of contacts'],
    },
    {
      body: layout('Twice', [[names, ['email']], [['title', 'firstName']]]),
      expected: [
        'sections[0].rows[1].columns[0].fields[1]: "firstName" is already at sections[0].rows[0].columns[0].fields[0]',
      ],
    },
    {
      body: layout('Stuck', [[names]], { collapsed: true }),
      expected: ['sections[0].collapsed: needs collapsible'],
    },
    {
      body: { name: 'No columns', sections: [{ rows: [{ columns: [] }] }] },
      expected: ['sections.0.rows.0.columns: must NOT have fewer than 1 items'],
    },
    {
      body: { name: 'Extra', sections: [{ rows: [], width: 3 }] },
      expected: ['sections.0.width: is not an allowed property'],
    },
  ];
  for (const { body, expected } of cases)
    assert.deepEqual(problems(await admin.request('POST', base, body)), expected);
});

test('a default form must show the required fields; other layouts only get a warning', async () => {
  const partial = await create(layout('First names', [[['firstName', 'email']]]));
  assert.deepEqual(partial.warnings, [
    { field: 'sections', reason: 'leaves out the required field "lastName"' },
  ]);
  const url = `${base}/${partial.id}/default`;
  assert.deepEqual(problems(await admin.request('POST', url, { kind: 'form' })), [
    'sections: leaves out the required field "lastName"',
  ]);
  assert.equal((await admin.request('POST', url, { kind: 'view' })).statusCode, 200);

  const full = await create(layout('Full names', [[names]]));
  assert.equal((await admin.request('POST', `${base}/${full.id}/default`, { kind: 'form' })).statusCode, 200);
  assert.deepEqual(
    problems(await admin.request('PUT', `${base}/${full.id}`, layout('Full names', [[['firstName']]]))),
    ['sections: leaves out the required field "lastName"'],
  );
  const form = (await admin.request('GET', `${base}/default?kind=form`)).json();
  assert.equal(form.id, full.id);
  assert.equal(form.generated, false);
  assert.equal((await admin.request('GET', `${base}/default?kind=view`)).json().id, partial.id);
});

const defaults = async (module: string) =>
  db
    .selectFrom('layouts')
    .select(['id', 'defaultView', 'defaultForm'])
    .where('module', '=', module)
    .where((eb) => eb.or([eb('defaultView', '=', true), eb('defaultForm', '=', true)]))
    .execute();

test('setting a default unsets the previous one, also under concurrent switches', async () => {
  const url = '/api/modules/accounts/layouts';
  const ids: string[] = [];
  for (const name of ['One', 'Two', 'Three', 'Four'])
    ids.push((await create(layout(name, [[['name']]]), url)).id);
  const [one, two] = ids as [string, string];
  await admin.request('POST', `${url}/${one}/default`, { kind: 'view' });
  await admin.request('POST', `${url}/${one}/default`, { kind: 'form' });
  await admin.request('POST', `${url}/${two}/default`, { kind: 'view' });
  assert.deepEqual(
    (await defaults('accounts')).sort((a, b) => Number(a.defaultView) - Number(b.defaultView)),
    [
      { id: one, defaultView: false, defaultForm: true },
      { id: two, defaultView: true, defaultForm: false },
    ],
  );

  const responses = await Promise.all(
    [...ids, ...ids].map((id) => admin.request('POST', `${url}/${id}/default`, { kind: 'view' })),
  );
  assert.deepEqual(
    responses.map((response) => response.statusCode),
    responses.map(() => 200),
  );
  const after = await defaults('accounts');
  assert.equal(after.filter((row) => row.defaultView).length, 1);
  assert.equal(after.filter((row) => row.defaultForm).length, 1);
});

test('a removed field leaves the layouts that named it, with a warning', async () => {
  const added = await admin.request('POST', '/api/modules/contacts/fields', {
    name: 'nickname',
    label: 'Nickname',
    type: 'text',
  });
  assert.equal(added.statusCode, 201, added.body);
  const created = await create(layout('Nicknames', [[names, ['nickname']]]));
  const removed = await admin.request('DELETE', '/api/modules/contacts/fields/nickname?confirm=true');
  assert.ok(removed.statusCode < 300, removed.body);
  const read = (await admin.request('GET', `${base}/${created.id}`)).json();
  assert.deepEqual(read.sections[0].rows[0].columns, [{ fields: names }, { fields: [] }]);
  assert.deepEqual(read.warnings, [
    { field: 'sections[0].rows[0].columns[1].fields[0]', reason: '"nickname" is not a field of contacts' },
  ]);
});

test('deleting a custom module deletes its layouts', async () => {
  const module = await admin.request('POST', '/api/modules', { name: 'projects', label: 'Projects' });
  assert.equal(module.statusCode, 201, module.body);
  await create(layout('Projects', [[['name']]]), '/api/modules/projects/layouts');
  assert.equal((await admin.request('DELETE', '/api/modules/projects')).statusCode, 204);
  const left = await db.selectFrom('layouts').select('id').where('module', '=', 'projects').execute();
  assert.deepEqual(left, []);
});

test('only administrators change layouts; every signed-in user reads them', async () => {
  const created = await create(layout('Readable', [[names]]));
  assert.equal(
    (await admin.request('POST', '/api/users', { username: 'reader', password: 'reader-password' }))
      .statusCode,
    201,
  );
  const reader = await login(app, 'reader', 'reader-password');
  for (const url of [base, `${base}/${created.id}`, `${base}/default?kind=form`])
    assert.equal((await reader.request('GET', url)).statusCode, 200, url);
  const changes: [string, string, unknown][] = [
    ['POST', base, layout('Mine', [[names]])],
    ['PUT', `${base}/${created.id}`, layout('Mine', [[names]])],
    ['POST', `${base}/${created.id}/default`, { kind: 'form' }],
    ['DELETE', `${base}/${created.id}`, undefined],
  ];
  for (const [method, url, body] of changes)
    assert.equal((await reader.request(method, url, body)).statusCode, 403, `${method} ${url}`);
  assert.equal((await admin.request('GET', `${base}/${created.id}`)).json().name, 'Readable');
});

test('a module file carries its dropdowns (with their parents) and layouts, and imports them checked', async () => {
  const made = async (body: unknown) =>
    (await admin.request('POST', '/api/dropdowns', body)).json<{ id: string }>();
  const material = await made({ name: 'Material', options: [{ value: 'wood', label: 'Wood' }] });
  const finish = await made({
    name: 'Finish',
    options: [{ value: 'oiled', label: 'Oiled' }],
    parentId: material.id,
    dependencies: { wood: ['oiled'] },
  });
  const field = { name: 'finish', label: 'Finish', type: 'dropdown', options: { dropdownId: finish.id } };
  for (const name of ['gadgets', 'gizmos'])
    assert.equal(
      (await admin.request('POST', '/api/modules', { name, label: name, fields: [field] })).statusCode,
      201,
    );
  const url = '/api/modules/gadgets/layouts';
  const form = await create(layout('Gadget form', [[['name'], ['finish']]]), url);
  await admin.request('POST', `${url}/${form.id}/default`, { kind: 'form' });

  const file = await exportStudio(db, 'gadgets');
  assert.deepEqual(
    file.dropdowns.map((dropdown) => dropdown.name),
    ['Material', 'Finish'],
    'the parent comes along, first',
  );
  const { sections } = (await admin.request('GET', `${url}/${form.id}`)).json();
  assert.deepEqual(file.layouts, [
    { name: 'Gadget form', definition: { sections }, defaultView: false, defaultForm: true },
  ]);

  // On this installation the same dropdowns are found again; elsewhere they would be created under the same ids.
  await db.transaction().execute(async (trx) => {
    assert.deepEqual(await importStudioDropdowns(trx, file.dropdowns), {
      [material.id]: material.id,
      [finish.id]: finish.id,
    });
    await importStudioLayouts(trx, 'gizmos', file.layouts);
  });
  const imported = (await admin.request('GET', '/api/modules/gizmos/layouts/default?kind=form')).json();
  assert.equal(imported.name, 'Gadget form');
  assert.equal(imported.generated, false);

  // A same-named dropdown with other values is not reused: the imported one gets a free name and its parent's new id.
  const [parent, child] = file.dropdowns as [ExportedDropdown, ExportedDropdown];
  const other = { ...parent, id: randomUUID(), options: [{ value: 'steel', label: 'Steel' }] };
  const moved = { ...child, id: randomUUID(), parentId: other.id, dependencies: { steel: ['oiled'] } };
  await db.transaction().execute(async (trx) => {
    const ids = await importStudioDropdowns(trx, [moved, other]);
    assert.deepEqual(ids, { [other.id]: other.id, [moved.id]: moved.id });
    const created = await trx
      .selectFrom('dropdowns')
      .select(['name', 'parentId'])
      .where('id', 'in', [other.id, moved.id])
      .orderBy('name')
      .execute();
    assert.deepEqual(created, [
      { name: 'Finish (imported)', parentId: other.id },
      { name: 'Material (imported)', parentId: null },
    ]);
  });

  const refusal = async (layouts: typeof file.layouts) => {
    const error = await db
      .transaction()
      .execute((trx) => importStudioLayouts(trx, 'gizmos', layouts))
      .then(
        () => assert.fail('imported'),
        (caught: unknown) => caught,
      );
    assert.ok(error instanceof WeftError);
    return (error.details as { field: string; reason: string }[]).map((p) => `${p.field}: ${p.reason}`);
  };
  const [exported] = file.layouts as [(typeof file.layouts)[number]];
  assert.deepEqual(
    await refusal([
      {
        ...exported,
        name: 'Odd',
        definition: {
          sections: [
            {
              title: '',
              collapsible: false,
              collapsed: false,
              rows: [{ columns: [{ fields: ['name', 'wheels'] }] }],
            },
          ],
        },
      },
    ]),
    ['layouts[0].definition.sections[0].rows[0].columns[0].fields[1]: "wheels" is not a field of gizmos'],
  );
  assert.deepEqual(
    await refusal([
      { ...exported, name: 'A' },
      { ...exported, name: 'B' },
    ]),
    ['layouts[1].defaultForm: is also set on layouts[0]'],
  );
});
