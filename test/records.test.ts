import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login, type Session } from './helpers/app.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

async function created(session: Session, url: string, body: unknown) {
  const response = await session.request('POST', url, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

test('a contact goes through create, read, update and delete with its defaults', async () => {
  const contact = await created(admin, '/api/records/contacts', {
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    leadSource: 'Web',
  });
  assert.match(contact.id, /^[0-9a-f-]{36}$/);
  assert.equal(contact.assignedTo, admin.userId);
  assert.equal(contact.createdBy, admin.userId);
  assert.equal(contact.visibility, 'public');
  assert.deepEqual(contact.tags, []);
  assert.equal(contact.doNotEmail, false);
  assert.equal(contact.phone, null);
  assert.equal(typeof contact.createdAt, 'string');

  const read = await admin.request('GET', `/api/records/contacts/${contact.id}`);
  assert.equal(read.statusCode, 200);
  assert.equal(read.json().email, 'ada@example.com');

  const patched = await admin.request('PATCH', `/api/records/contacts/${contact.id}`, { phone: '555-0100' });
  assert.equal(patched.statusCode, 200, patched.body);
  assert.equal(patched.json().phone, '555-0100');
  assert.equal(patched.json().firstName, 'Ada');

  assert.equal((await admin.request('DELETE', `/api/records/contacts/${contact.id}`)).statusCode, 204);
  assert.equal((await admin.request('GET', `/api/records/contacts/${contact.id}`)).statusCode, 404);
  assert.equal((await admin.request('GET', '/api/records/nothing')).statusCode, 404);
});

test('bad input is a 400 naming the field', async () => {
  const base = { firstName: 'A', lastName: 'B' };
  const cases: [string, unknown, string, RegExp][] = [
    ['missing required', { firstName: 'A' }, 'lastName', /required/],
    ['wrong type', { ...base, doNotEmail: 'yes' }, 'doNotEmail', /boolean/],
    ['unknown field', { ...base, shoeSize: 3 }, 'shoeSize', /not an allowed/],
    ['bad email', { ...base, email: 'not-an-email' }, 'email', /format/],
    ['not a dropdown value', { ...base, leadSource: 'Carrier pigeon' }, 'leadSource', /allowed values/],
    ['read-only', { ...base, createdBy: admin.userId }, 'createdBy', /read-only/],
    ['null for a required field', { ...base, lastName: null }, 'lastName', /string/],
    [
      'a link to nothing',
      { ...base, company: '00000000-0000-4000-8000-000000000000' },
      'company',
      /no accounts record/,
    ],
    [
      'an assignee that is nobody',
      { ...base, assignedTo: '00000000-0000-4000-8000-000000000000' },
      'assignedTo',
      /user or group/,
    ],
    ['a bad visibility', { ...base, visibility: 'secret' }, 'visibility', /allowed values/],
  ];
  for (const [name, body, field, reason] of cases) {
    const response = await admin.request('POST', '/api/records/contacts', body);
    assert.equal(response.statusCode, 400, `${name}: ${response.body}`);
    const details = response.json().error.details as { field: string; reason: string }[];
    assert.ok(
      details.some((d) => d.field === field && reason.test(d.reason)),
      `${name}: ${response.body}`,
    );
  }
  const contact = await created(admin, '/api/records/contacts', base);
  const patch = await admin.request('PATCH', `/api/records/contacts/${contact.id}`, { rating: 9 });
  assert.equal(patch.statusCode, 400);
  assert.equal(patch.json().error.details[0].field, 'rating');
});

test('a unique field refuses a duplicate with a 409 naming it', async () => {
  const field = await admin.request('POST', '/api/modules/accounts/fields', {
    name: 'vatNumber',
    label: 'VAT number',
    type: 'text',
    unique: true,
  });
  assert.equal(field.statusCode, 201, field.body);
  await created(admin, '/api/records/accounts', { name: 'One', vatNumber: 'FR123' });
  const duplicate = await admin.request('POST', '/api/records/accounts', { name: 'Two', vatNumber: 'FR123' });
  assert.equal(duplicate.statusCode, 409, duplicate.body);
  assert.deepEqual(duplicate.json().error.details, [
    { field: 'vatNumber', reason: 'is already used by another record' },
  ]);
  const other = await created(admin, '/api/records/accounts', { name: 'Two', vatNumber: 'FR456' });
  const patch = await admin.request('PATCH', `/api/records/accounts/${other.id}`, { vatNumber: 'FR123' });
  assert.equal(patch.statusCode, 409);
  assert.equal(patch.json().error.details[0].field, 'vatNumber');
});

test('link and assignment fields answer the display name with the id', async () => {
  const account = await created(admin, '/api/records/accounts', { name: 'Acme Corp' });
  const contact = await created(admin, '/api/records/contacts', {
    firstName: 'Grace',
    lastName: 'Hopper',
    company: account.id,
  });
  assert.equal(contact.company, account.id);
  assert.equal(contact._display.company, 'Acme Corp');
  assert.equal(typeof contact._display.assignedTo, 'string');
  const task = await created(admin, '/api/records/tasks', {
    subject: 'Call Grace',
    associationType: 'contacts',
    associationId: contact.id,
  });
  assert.equal(task._display.associationId, 'Grace Hopper');
  const list = await admin.request('GET', `/api/records/contacts?columns=firstName,company`);
  const item = list.json().items.find((i: { id: string }) => i.id === contact.id);
  assert.deepEqual(Object.keys(item).sort(), ['_display', 'company', 'firstName', 'id']);
  assert.equal(item._display.company, 'Acme Corp');
  const wrongModule = await admin.request('POST', '/api/records/tasks', {
    subject: 'x',
    associationType: 'nothing',
    associationId: contact.id,
  });
  assert.equal(wrongModule.statusCode, 400);
  assert.equal(wrongModule.json().error.details[0].field, 'associationType');
});

test('a custom module with fields of several types works end to end', async () => {
  const module = await admin.request('POST', '/api/modules', {
    name: 'vehicles',
    label: 'Vehicles',
    itemName: 'Vehicle',
    fields: [
      { name: 'plate', label: 'Plate', type: 'text', required: true, unique: true },
      { name: 'price', label: 'Price', type: 'currency' },
      { name: 'share', label: 'Share', type: 'percentage' },
      { name: 'bought', label: 'Bought', type: 'date' },
      { name: 'lastService', label: 'Last service', type: 'dateTime' },
      { name: 'electric', label: 'Electric', type: 'boolean', defaultValue: false },
      {
        name: 'colours',
        label: 'Colours',
        type: 'dropdown',
        options: { choices: ['red', 'blue'], multiple: true },
      },
      { name: 'owner', label: 'Owner', type: 'link', options: { module: 'contacts' } },
      { name: 'driver', label: 'Driver', type: 'assignment' },
      { name: 'stars', label: 'Stars', type: 'rating', options: { max: 3 } },
      { name: 'homepage', label: 'Homepage', type: 'url' },
    ],
  });
  assert.equal(module.statusCode, 201, module.body);
  const owner = await created(admin, '/api/records/contacts', { firstName: 'Owen', lastName: 'Er' });
  const input = {
    name: 'Blue car',
    plate: 'AB-123',
    price: 12500.5,
    share: 12.5,
    bought: '2024-02-29',
    lastService: '2025-06-01T10:30:00.000Z',
    colours: ['red', 'blue'],
    owner: owner.id,
    driver: admin.userId,
    stars: 3,
    homepage: 'https://example.com/car',
    tags: ['fleet'],
  };
  const vehicle = await created(admin, '/api/records/vehicles', input);
  for (const [key, value] of Object.entries(input)) assert.deepEqual(vehicle[key], value, key);
  assert.equal(vehicle.electric, false);
  assert.equal(vehicle._display.owner, 'Owen Er');
  const read = (await admin.request('GET', `/api/records/vehicles/${vehicle.id}`)).json();
  for (const [key, value] of Object.entries(input)) assert.deepEqual(read[key], value, key);
  const tooMany = await admin.request('POST', '/api/records/vehicles', { name: 'x', plate: 'Z', stars: 4 });
  assert.equal(tooMany.json().error.details[0].field, 'stars');
  const list = await admin.request('GET', '/api/records/vehicles?q=blue');
  assert.equal(list.statusCode, 200, list.body);
  assert.deepEqual(
    list.json().items.map((i: { id: string }) => i.id),
    [vehicle.id],
  );
});

test('lists page with a cursor and serve every record once', async () => {
  await admin.request('POST', '/api/modules', { name: 'widgets', label: 'Widgets' });
  const ids = new Set<string>();
  for (let i = 0; i < 7; i++) ids.add((await created(admin, '/api/records/widgets', { name: `w${i}` })).id);
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/records/widgets?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
    const page = (await admin.request('GET', url)).json();
    seen.push(...page.items.map((i: { id: string }) => i.id));
    cursor = page.nextCursor;
  } while (cursor);
  assert.equal(seen.length, 7);
  assert.deepEqual(new Set(seen), ids);
});

// --- permissions -----------------------------------------------------------------------

async function user(username: string, permissions: unknown, groupIds: string[] = []) {
  const role = await created(admin, '/api/roles', { name: `role-${username}`, permissions });
  await created(admin, '/api/users', {
    username,
    password: `${username}-password`,
    roleIds: [role.id],
    groupIds,
  });
  return login(app, username, `${username}-password`);
}

test('role scopes own / groups / all apply to read, list, update and delete', async () => {
  const all = { view: 'all', create: 'all', update: 'all', delete: 'all' };
  const own = { view: 'own', create: 'own', update: 'own', delete: 'own' };
  const groups = { view: 'groups', create: 'groups', update: 'groups', delete: 'groups' };
  const team = await created(admin, '/api/groups', { name: 'Team' });
  const olivia = await user('olivia', { opportunities: own }, [team.id]);
  const gus = await user('gus', { opportunities: groups }, [team.id]);
  const vera = await user('vera', { opportunities: { view: 'all', update: 'own' } });
  const outsider = await user('otto', { opportunities: own });
  const nobody = await user('nora', { contacts: all });

  const mk = async (name: string, assignedTo: string) =>
    (await created(admin, '/api/records/opportunities', { name, assignedTo })).id as string;
  const records = {
    olivia: await mk('of olivia', olivia.userId),
    gus: await mk('of gus', gus.userId),
    team: await mk('of the team', team.id),
    otto: await mk('of otto', outsider.userId),
  };
  // Who sees what: [session, records visible]
  const expectations: [string, Session, (keyof typeof records)[], (keyof typeof records)[]][] = [
    ['olivia (own)', olivia, ['olivia'], ['olivia']],
    ['gus (groups)', gus, ['olivia', 'gus', 'team'], ['olivia', 'gus', 'team']],
    ['vera (view all, update own)', vera, ['olivia', 'gus', 'team', 'otto'], []],
    ['otto (own)', outsider, ['otto'], ['otto']],
  ];
  for (const [who, session, visible, writable] of expectations) {
    const list = await session.request('GET', '/api/records/opportunities?limit=500');
    assert.equal(list.statusCode, 200, `${who}: ${list.body}`);
    const listed = new Set(list.json().items.map((i: { id: string }) => i.id));
    for (const [key, id] of Object.entries(records) as [keyof typeof records, string][]) {
      const sees = visible.includes(key);
      assert.equal(listed.has(id), sees, `${who} lists ${key}`);
      const read = await session.request('GET', `/api/records/opportunities/${id}`);
      assert.equal(read.statusCode, sees ? 200 : 404, `${who} reads ${key}`);
      const patch = await session.request('PATCH', `/api/records/opportunities/${id}`, { probability: 50 });
      const expected = writable.includes(key) ? 200 : sees ? 403 : 404;
      assert.equal(patch.statusCode, expected, `${who} updates ${key}: ${patch.body}`);
    }
  }
  // Deleting follows the same rule; the outsider cannot touch olivia's, olivia can delete hers.
  assert.equal(
    (await outsider.request('DELETE', `/api/records/opportunities/${records.olivia}`)).statusCode,
    404,
  );
  assert.equal(
    (await vera.request('DELETE', `/api/records/opportunities/${records.olivia}`)).statusCode,
    403,
  );
  assert.equal(
    (await olivia.request('DELETE', `/api/records/opportunities/${records.olivia}`)).statusCode,
    204,
  );
  // No scope at all on a module is a 403 for every call.
  assert.equal((await nobody.request('GET', '/api/records/opportunities')).statusCode, 403);
  assert.equal((await nobody.request('POST', '/api/records/opportunities', { name: 'x' })).statusCode, 403);
  // Creating with scope "own": assigned to me by default, never to someone else.
  const mine = await created(olivia, '/api/records/opportunities', { name: 'new' });
  assert.equal(mine.assignedTo, olivia.userId);
  const theirs = await olivia.request('POST', '/api/records/opportunities', {
    name: 'x',
    assignedTo: gus.userId,
  });
  assert.equal(theirs.statusCode, 403);
  assert.equal(
    (await gus.request('POST', '/api/records/opportunities', { name: 'x', assignedTo: team.id })).statusCode,
    201,
  );
});

test('a private record is seen only by its assignee and admins', async () => {
  const viewer = await user('paula', {
    contacts: { view: 'all', create: 'all', update: 'all', delete: 'all' },
  });
  const secret = await created(admin, '/api/records/contacts', {
    firstName: 'Se',
    lastName: 'Cret',
    visibility: 'private',
  });
  assert.equal((await viewer.request('GET', `/api/records/contacts/${secret.id}`)).statusCode, 404);
  const list = (await viewer.request('GET', '/api/records/contacts?limit=500')).json();
  assert.ok(!list.items.some((i: { id: string }) => i.id === secret.id));
  const hers = await created(viewer, '/api/records/contacts', {
    firstName: 'Mi',
    lastName: 'Ne',
    visibility: 'private',
  });
  assert.equal((await viewer.request('GET', `/api/records/contacts/${hers.id}`)).statusCode, 200);
  assert.equal((await admin.request('GET', `/api/records/contacts/${hers.id}`)).statusCode, 200);
});

test('deleting a user moves their records to the heir, with changelog and events', async () => {
  const leaver = await user('leaver', { '*': { view: 'all', create: 'all', update: 'all', delete: 'all' } });
  const a = await created(leaver, '/api/records/contacts', { firstName: 'L', lastName: 'One' });
  const b = await created(leaver, '/api/records/accounts', { name: 'L Two' });
  const deleted = await admin.request('DELETE', `/api/users/${leaver.userId}`, { reassignTo: admin.userId });
  assert.equal(deleted.statusCode, 200, deleted.body);
  assert.equal(deleted.json().reassigned.records, 2);
  for (const [module, id] of [
    ['contacts', a.id],
    ['accounts', b.id],
  ]) {
    assert.equal(
      (await admin.request('GET', `/api/records/${module}/${id}`)).json().assignedTo,
      admin.userId,
    );
    const event = await db
      .selectFrom('events')
      .select('payload')
      .where('recordId', '=', id)
      .where('type', '=', 'record.updated')
      .executeTakeFirstOrThrow();
    assert.deepEqual((event.payload as { changed: string[] }).changed, ['assignedTo']);
  }
});

test('lists filter with where, search with q and sort, inside the role scope', async () => {
  await admin.request('POST', '/api/modules', {
    name: 'leads',
    label: 'Leads',
    fields: [
      { name: 'source', label: 'Source', type: 'dropdown', options: { choices: ['Web', 'Phone'] } },
      { name: 'score', label: 'Score', type: 'number' },
    ],
  });
  const limited = await user('lim', { leads: { view: 'own', create: 'own', update: 'own', delete: 'own' } });
  const rows: [string, string, number, Session][] = [
    ['alpha', 'Web', 5, admin],
    ['bravo', 'Web', 9, limited],
    ['charlie', 'Phone', 7, limited],
    ['delta', 'Web', 1, limited],
  ];
  for (const [name, source, score, session] of rows)
    await created(session, '/api/records/leads', { name, source, score });
  const names = async (session: Session, query: string) => {
    const response = await session.request('GET', `/api/records/leads?${query}`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json().items.map((item: { name: string }) => item.name);
  };
  const web = encodeURIComponent(JSON.stringify({ '==': [{ var: 'source' }, 'Web'] }));
  assert.deepEqual(await names(admin, `where=${web}&sort=score`), ['delta', 'alpha', 'bravo']);
  assert.deepEqual(await names(limited, `where=${web}&sort=-score`), ['bravo', 'delta']);
  assert.deepEqual(await names(limited, 'q=arl'), ['charlie']);
  assert.deepEqual(await names(admin, 'sort=name&limit=2&columns=name'), ['alpha', 'bravo']);
  const bad = await admin.request(
    'GET',
    `/api/records/leads?where=${encodeURIComponent('{"==":[{"var":"nope"},1]}')}`,
  );
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.details[0].field, 'where');
});

test('a record created without an assignee is routed when the module routing is on', async () => {
  const r1 = await created(admin, '/api/users', { username: 'rr1', password: 'rr1-password' });
  const r2 = await created(admin, '/api/users', { username: 'rr2', password: 'rr2-password' });
  const settings = await admin.request('PUT', '/api/routing/cases', {
    enabled: true,
    mode: 'roundRobin',
    userIds: [r1.id, r2.id],
  });
  assert.equal(settings.statusCode, 200, settings.body);
  const assignees = [];
  for (let i = 0; i < 4; i++)
    assignees.push((await created(admin, '/api/records/cases', { name: `case ${i}` })).assignedTo);
  assert.deepEqual(new Set(assignees), new Set([r1.id, r2.id]));
  assert.notEqual(assignees[0], assignees[1]);
  assert.equal(assignees[0], assignees[2]);
  const explicit = await created(admin, '/api/records/cases', { name: 'mine', assignedTo: admin.userId });
  assert.equal(explicit.assignedTo, admin.userId);
});

test('a field on a managed dropdown takes its values only, dependent ones by the parent value', async () => {
  const country = await created(admin, '/api/dropdowns', {
    name: 'Country',
    options: [
      { value: 'FR', label: 'France' },
      { value: 'US', label: 'United States' },
    ],
  });
  const region = await created(admin, '/api/dropdowns', {
    name: 'Region',
    options: [
      { value: 'IDF', label: 'Île-de-France' },
      { value: 'CA', label: 'California' },
    ],
    parentId: country.id,
    dependencies: { FR: ['IDF'], US: ['CA'] },
  });
  for (const [name, dropdownId] of [
    ['homeCountry', country.id],
    ['homeRegion', region.id],
  ]) {
    const field = await admin.request('POST', '/api/modules/accounts/fields', {
      name,
      label: name,
      type: 'dropdown',
      options: { dropdownId },
    });
    assert.equal(field.statusCode, 201, field.body);
  }
  const missing = await admin.request('POST', '/api/modules/accounts/fields', {
    name: 'broken',
    label: 'Broken',
    type: 'dropdown',
    options: { dropdownId: '00000000-0000-4000-8000-000000000000' },
  });
  assert.equal(missing.json().error.details[0].field, 'options.dropdownId');
  await created(admin, '/api/records/accounts', { name: 'Paris Co', homeCountry: 'FR', homeRegion: 'IDF' });
  const unknown = await admin.request('POST', '/api/records/accounts', { name: 'x', homeCountry: 'DE' });
  assert.equal(unknown.statusCode, 400);
  assert.equal(unknown.json().error.details[0].field, 'homeCountry');
  const mismatch = await admin.request('POST', '/api/records/accounts', {
    name: 'x',
    homeCountry: 'FR',
    homeRegion: 'CA',
  });
  assert.equal(mismatch.statusCode, 400);
  assert.equal(mismatch.json().error.details[0].field, 'homeRegion');
});

test('values equal as stored are no change: a time in another offset, a number written differently', async () => {
  const task = await created(admin, '/api/records/tasks', {
    subject: 'Offsets',
    dueDate: '2026-03-01T10:00:00.000Z',
  });
  const same = await admin.request('PATCH', `/api/records/tasks/${task.id}`, {
    dueDate: '2026-03-01T12:00:00+02:00',
  });
  assert.equal(same.statusCode, 200, same.body);
  assert.equal(same.json().dueDate, '2026-03-01T10:00:00.000Z');
  assert.equal(same.json().updatedAt, task.updatedAt);
  const history = (await admin.request('GET', `/api/records/tasks/${task.id}/changelog`)).json().items;
  assert.deepEqual(
    history.map((entry: { action: string }) => entry.action),
    ['create'],
  );
});
