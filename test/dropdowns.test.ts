import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import type { Dropdown } from '../schemas/dropdowns.ts';
import { checkDropdownValue, validateDropdownValue } from '../server/studio/dropdown-values.ts';
import { createTestApp, login, type Session } from './helpers/app.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

const options = (...values: string[]) => values.map((value) => ({ value, label: value.toUpperCase() }));

async function create(body: Record<string, unknown>, session: Session = admin) {
  const response = await session.request('POST', '/api/dropdowns', body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string; options: { value: string; label: string }[] }>();
}

/** The `{field, reason}` list of a 4xx, as `field: reason` lines for easy matching. */
function problems(response: { statusCode: number; json: () => unknown }, status = 400) {
  assert.equal(response.statusCode, status);
  const { error } = response.json() as { error: { details: { field: string; reason: string }[] } };
  return error.details.map((problem) => `${problem.field}: ${problem.reason}`);
}

test('create, read, list, change and delete a dropdown', async () => {
  const created = await create({ name: 'Colour', options: options('red', 'green', 'blue'), multi: true });
  assert.deepEqual(
    created.options.map((option) => option.value),
    ['red', 'green', 'blue'],
  );
  const read = (await admin.request('GET', `/api/dropdowns/${created.id}`)).json();
  assert.equal(read.name, 'Colour');
  assert.equal(read.multi, true);
  assert.equal(read.parentId, null);
  assert.deepEqual(read.dependencies, {});

  const listed = (await admin.request('GET', '/api/dropdowns?q=olou')).json();
  assert.deepEqual(
    listed.items.map((item: { id: string }) => item.id),
    [created.id],
  );

  const patched = await admin.request('PATCH', `/api/dropdowns/${created.id}`, {
    name: 'Colours',
    options: options('blue', 'red'),
  });
  assert.equal(patched.statusCode, 200, patched.body);
  assert.deepEqual(patched.json().options, [
    { value: 'blue', label: 'BLUE' },
    { value: 'red', label: 'RED' },
  ]);

  assert.equal((await admin.request('DELETE', `/api/dropdowns/${created.id}`)).statusCode, 204);
  assert.equal((await admin.request('GET', `/api/dropdowns/${created.id}`)).statusCode, 404);
  assert.equal((await admin.request('DELETE', `/api/dropdowns/${created.id}`)).statusCode, 404);
});

test('the list pages by name with a cursor', async () => {
  for (const name of ['Page C', 'Page A', 'Page B']) await create({ name, options: [] });
  const first = (await admin.request('GET', '/api/dropdowns?q=Page&limit=2')).json();
  assert.deepEqual(
    first.items.map((item: { name: string }) => item.name),
    ['Page A', 'Page B'],
  );
  const second = (
    await admin.request('GET', `/api/dropdowns?q=Page&limit=2&cursor=${first.nextCursor}`)
  ).json();
  assert.deepEqual(
    second.items.map((item: { name: string }) => item.name),
    ['Page C'],
  );
  assert.equal(second.nextCursor, null);
});

test('bad dropdowns are refused naming the field and the reason', async () => {
  await create({ name: 'Taken', options: [] });
  const cases: { body: Record<string, unknown>; status: number; expected: string }[] = [
    {
      body: { name: 'Dup', options: options('a', 'b', 'a') },
      status: 400,
      expected: 'options[2].value: repeats options[0].value',
    },
    {
      body: { name: 'Empty', options: [{ value: '', label: 'x' }] },
      status: 400,
      expected: 'options.0.value',
    },
    {
      body: { name: 'Extra', options: [], colour: 'red' },
      status: 400,
      expected: 'colour: is not an allowed property',
    },
    {
      body: { name: 'Orphan', options: options('a'), dependencies: { x: ['a'] } },
      status: 400,
      expected: 'dependencies: needs a parentId',
    },
    {
      body: { name: 'Lost', options: [], parentId: '00000000-0000-4000-8000-000000000000' },
      status: 400,
      expected: 'parentId: names a dropdown that does not exist',
    },
    { body: { name: 'taken', options: [] }, status: 409, expected: 'name: is taken by another dropdown' },
  ];
  for (const { body, status, expected } of cases) {
    const found = problems(await admin.request('POST', '/api/dropdowns', body), status);
    assert.ok(
      found.some((line) => line.startsWith(expected)),
      `${JSON.stringify(body)}: ${found.join(' | ')}`,
    );
  }
});

test('reordering takes every value in the new order and keeps the labels', async () => {
  const dropdown = await create({ name: 'Priority', options: options('low', 'medium', 'high') });
  const url = `/api/dropdowns/${dropdown.id}/order`;
  const reordered = await admin.request('PUT', url, { values: ['high', 'medium', 'low'] });
  assert.equal(reordered.statusCode, 200, reordered.body);
  assert.deepEqual(reordered.json().options, options('high', 'medium', 'low'));
  assert.deepEqual(problems(await admin.request('PUT', url, { values: ['high', 'low'] })), [
    'values: leaves out "medium"',
  ]);
  assert.deepEqual(
    problems(await admin.request('PUT', url, { values: ['high', 'urgent', 'medium', 'low'] })),
    ['values[1]: is not a value of this dropdown'],
  );
  const unchanged = (await admin.request('GET', `/api/dropdowns/${dropdown.id}`)).json();
  assert.deepEqual(unchanged.options, options('high', 'medium', 'low'));
});

test('a dependent dropdown maps parent values to its own, and the map is checked', async () => {
  const country = await create({ name: 'Country', options: options('fr', 'de') });
  const bad = problems(
    await admin.request('POST', '/api/dropdowns', {
      name: 'City (bad)',
      options: options('paris', 'berlin'),
      parentId: country.id,
      dependencies: { fr: ['paris', 'lyon'], it: ['rome'] },
    }),
  );
  assert.deepEqual(bad, [
    'dependencies["fr"][1]: is not a value of this dropdown',
    'dependencies["it"]: is not a value of the parent dropdown "Country"',
    'dependencies["it"][0]: is not a value of this dropdown',
  ]);
  const city = await create({
    name: 'City',
    options: options('paris', 'lyon', 'berlin'),
    parentId: country.id,
    dependencies: { fr: ['paris', 'lyon'], de: ['berlin'] },
  });

  // Neither a dropdown's own parent nor a cycle through its children.
  assert.deepEqual(
    problems(await admin.request('PATCH', `/api/dropdowns/${country.id}`, { parentId: country.id })),
    ['parentId: cannot be the dropdown itself'],
  );
  assert.deepEqual(
    problems(await admin.request('PATCH', `/api/dropdowns/${country.id}`, { parentId: city.id })),
    ['parentId: would make the dropdowns depend on each other in a cycle'],
  );

  // A parent value that goes away takes its entry in the child's map with it.
  const shrunk = await admin.request('PATCH', `/api/dropdowns/${country.id}`, { options: options('fr') });
  assert.equal(shrunk.statusCode, 200, shrunk.body);
  assert.deepEqual((await admin.request('GET', `/api/dropdowns/${city.id}`)).json().dependencies, {
    fr: ['paris', 'lyon'],
  });
  // And an own value that goes away leaves the lists that named it.
  await admin.request('PATCH', `/api/dropdowns/${city.id}`, { options: options('paris', 'berlin') });
  assert.deepEqual((await admin.request('GET', `/api/dropdowns/${city.id}`)).json().dependencies, {
    fr: ['paris'],
  });

  const refused = await admin.request('DELETE', `/api/dropdowns/${country.id}`);
  assert.equal(refused.statusCode, 409);
  assert.match(refused.json().error.message, /dropdown "City"/);
});

test('a dropdown a field uses cannot be deleted, nor lose multi while a multi-select field uses it', async () => {
  const tags = await create({ name: 'Interests', options: options('golf', 'chess'), multi: true });
  await sql`insert into module_fields (module, name, label, type, options)
    values ('contacts', 'interests', 'Interests', 'dropdown', ${JSON.stringify({ dropdownId: tags.id, multiple: true })})`.execute(
    db,
  );
  const refused = await admin.request('DELETE', `/api/dropdowns/${tags.id}`);
  assert.equal(refused.statusCode, 409);
  assert.match(refused.json().error.message, /field contacts\.interests/);
  assert.deepEqual(refused.json().error.details.fields, [{ module: 'contacts', name: 'interests' }]);
  const single = await admin.request('PATCH', `/api/dropdowns/${tags.id}`, { multi: false });
  assert.equal(single.statusCode, 409);
  assert.match(single.json().error.message, /contacts\.interests/);
  await sql`delete from module_fields where module = 'contacts' and name = 'interests'`.execute(db);
  assert.equal((await admin.request('DELETE', `/api/dropdowns/${tags.id}`)).statusCode, 204);
});

test('only administrators change dropdowns; every signed-in user reads them', async () => {
  const dropdown = await create({ name: 'Readable', options: options('a', 'b') });
  const created = await admin.request('POST', '/api/users', {
    username: 'plain',
    password: 'plain-password',
  });
  assert.equal(created.statusCode, 201, created.body);
  const plain = await login(app, 'plain', 'plain-password');
  assert.equal((await plain.request('GET', '/api/dropdowns')).statusCode, 200);
  assert.equal((await plain.request('GET', `/api/dropdowns/${dropdown.id}`)).statusCode, 200);
  const changes: [string, string, unknown][] = [
    ['POST', '/api/dropdowns', { name: 'Mine', options: [] }],
    ['PATCH', `/api/dropdowns/${dropdown.id}`, { name: 'Mine' }],
    ['PUT', `/api/dropdowns/${dropdown.id}/order`, { values: ['b', 'a'] }],
    ['DELETE', `/api/dropdowns/${dropdown.id}`, undefined],
  ];
  for (const [method, url, body] of changes) {
    const response = await plain.request(method, url, body);
    assert.equal(response.statusCode, 403, `${method} ${url}`);
  }
  assert.equal((await admin.request('GET', `/api/dropdowns/${dropdown.id}`)).json().name, 'Readable');
});

type Checked = Pick<Dropdown, 'name' | 'options' | 'multi' | 'parentId' | 'dependencies'>;
const status: Checked = {
  name: 'Status',
  options: options('open', 'closed', 'won'),
  multi: false,
  parentId: null,
  dependencies: {},
};
const stage: Checked = {
  name: 'Stage',
  options: options('new', 'triage', 'done', 'archived'),
  multi: true,
  parentId: '00000000-0000-4000-8000-000000000001',
  dependencies: { open: ['new', 'triage'], closed: ['done', 'archived'] },
};

test('checkDropdownValue says why a value does not fit', () => {
  const cases: [
    string,
    typeof status,
    unknown,
    boolean,
    string | string[] | null | undefined,
    string | null,
  ][] = [
    ['empty is fine', status, null, false, undefined, null],
    ['a known value', status, 'open', false, undefined, null],
    ['an unknown value', status, 'lost', false, undefined, '"lost" is not a value of dropdown "Status"'],
    [
      'a label is not a value',
      status,
      'OPEN',
      false,
      undefined,
      '"OPEN" is not a value of dropdown "Status"',
    ],
    [
      'a list for a single field',
      status,
      ['open'],
      false,
      undefined,
      'must be one value of dropdown "Status"',
    ],
    [
      'several where not allowed',
      status,
      ['open'],
      true,
      undefined,
      'dropdown "Status" does not allow several values',
    ],
    ['a list of known values', stage, ['new', 'triage'], true, undefined, null],
    ['an empty list', stage, [], true, 'open', null],
    [
      'a list with a number',
      stage,
      ['new', 3],
      true,
      undefined,
      'must be a list of values of dropdown "Stage"',
    ],
    ['a repeated value', stage, ['new', 'new'], true, undefined, 'repeats a value'],
    ['allowed by the parent', stage, ['new'], true, 'open', null],
    [
      'not allowed by the parent',
      stage,
      ['new', 'done'],
      true,
      'open',
      '"done" is not allowed when the parent field is "open"',
    ],
    [
      'a parent value with no entry allows none',
      stage,
      ['new'],
      true,
      'won',
      '"new" is not allowed when the parent field is "won"',
    ],
    ['allowed by one of several parent values', stage, ['new', 'done'], true, ['open', 'closed'], null],
    ['no parent value: not checked', stage, ['archived'], true, null, null],
  ];
  for (const [label, dropdown, value, multiple, parentValue, expected] of cases)
    assert.equal(checkDropdownValue(dropdown, value, { multiple, parentValue }), expected, label);
});

test('validateDropdownValue sees a change as soon as it commits', async () => {
  const dropdown = await create({ name: 'Source', options: options('web', 'phone') });
  assert.equal(await validateDropdownValue(db, dropdown.id, 'web', { multiple: false }), null);
  assert.match(
    (await validateDropdownValue(db, dropdown.id, 'email', { multiple: false })) ?? '',
    /"email" is not a value/,
  );
  await admin.request('PATCH', `/api/dropdowns/${dropdown.id}`, {
    options: options('web', 'phone', 'email'),
  });
  assert.equal(await validateDropdownValue(db, dropdown.id, 'email', { multiple: false }), null);
  await admin.request('DELETE', `/api/dropdowns/${dropdown.id}`);
  assert.equal(
    await validateDropdownValue(db, dropdown.id, 'email', { multiple: false }),
    'uses a dropdown that no longer exists',
  );
});
