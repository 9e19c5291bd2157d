import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createDb } from '../server/db/index.ts';
import { routeRecord, routeRecords } from '../server/routing/routing.ts';
import { login } from './helpers/app.ts';
import { routingFixture } from './helpers/routing.ts';

const {
  app,
  db,
  url,
  admin,
  password,
  users,
  usernameOf,
  createUser,
  configure,
  route,
  assignees,
  setAvailable,
} = await routingFixture([
  'batch',
  'burst',
  'burst_batch',
  'doomed',
  'ffa',
  'heir',
  'leads',
  'none',
  'off_module',
  'online',
  'peek',
  'peek_off',
  'rr',
  'rr_all',
  'single',
  'single2',
  'skip',
]);
const [a, b, c, d, e] = users;

describe('settings API', () => {
  test('a module never set up answers free for all, off', async () => {
    const response = await admin.request('GET', '/api/routing/opportunities');
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      module: 'opportunities',
      enabled: false,
      mode: 'freeForAll',
      onlineOnly: false,
      whenNobodyOnline: 'anyAvailable',
      userIds: [],
      singleUserId: null,
      rules: [],
      updatedAt: null,
    });
  });

  test('routing exists for existing modules only, and goes when its module goes', async () => {
    assert.equal((await admin.request('GET', '/api/routing/ghosts')).statusCode, 404);
    const put = await admin.request('PUT', '/api/routing/ghosts', { enabled: true, mode: 'freeForAll' });
    assert.equal(put.statusCode, 404);
    assert.equal((await admin.request('POST', '/api/routing/ghosts/test', { record: {} })).statusCode, 404);
    await configure('doomed', {
      mode: 'roundRobin',
      rules: [{ criteria: true, kind: 'users', userIds: [a] }],
    });
    await route('doomed');
    assert.equal((await admin.request('DELETE', '/api/modules/doomed')).statusCode, 204);
    for (const table of ['routingSettings', 'routingRules', 'routingCounters'] as const) {
      const rows = await db.selectFrom(table).select('module').where('module', '=', 'doomed').execute();
      assert.deepEqual(rows, [], table);
    }
  });

  test('only admins read or change routing', async () => {
    const user = await login(app, usernameOf.get(a), password);
    assert.equal((await user.request('GET', '/api/routing/contacts')).statusCode, 403);
    const put = await user.request('PUT', '/api/routing/contacts', { enabled: true, mode: 'freeForAll' });
    assert.equal(put.statusCode, 403);
    const dry = await user.request('POST', '/api/routing/contacts/test', { record: {} });
    assert.equal(dry.statusCode, 403);
    await user.request('POST', '/api/auth/logout');
  });

  test('saving is audited and read back; rules keep their ids', async () => {
    const saved = await configure('leads', {
      mode: 'customRoundRobin',
      onlineOnly: true,
      rules: [{ criteria: { '==': [{ var: 'state' }, 'CA'] }, kind: 'users', userIds: [a] }],
    });
    assert.equal(saved.mode, 'customRoundRobin');
    assert.equal(saved.rules.length, 1);
    const read = await admin.request('GET', '/api/routing/leads');
    assert.deepEqual(read.json(), saved);
    const list = await admin.request('GET', '/api/routing');
    assert.deepEqual(list.json(), { items: [saved], nextCursor: null });
    const audit = await db
      .selectFrom('auditLog')
      .select(['action', 'targetId', 'details'])
      .where('action', '=', 'routing.update')
      .where('targetId', '=', 'leads')
      .execute();
    assert.deepEqual(
      audit.map((row) => [row.targetId, (row.details as { mode: string }).mode]),
      [['leads', 'customRoundRobin']],
    );
  });

  test('bad module names, unknown properties and unknown modes are 400s', async () => {
    for (const [path, body] of [
      ['/api/routing/Bad-Name', { enabled: true, mode: 'freeForAll' }],
      ['/api/routing/contacts', { enabled: true, mode: 'lottery' }],
      ['/api/routing/contacts', { enabled: true, mode: 'freeForAll', extra: 1 }],
      ['/api/routing/contacts', { mode: 'freeForAll' }],
    ] as const) {
      const response = await admin.request('PUT', path, body);
      assert.equal(response.statusCode, 400, `${path} ${JSON.stringify(body)}`);
      assert.equal(response.json().error.code, 'WEFT_ERR_VALIDATION');
    }
  });

  test('users set their own availability and admins set anyone’s', async () => {
    const user = await login(app, usernameOf.get(e), password);
    const own = await user.request('PATCH', '/api/me', { available: false });
    assert.equal(own.statusCode, 200);
    assert.equal(own.json().available, false);
    await user.request('POST', '/api/auth/logout');
    await setAvailable(e, true);
  });
});

describe('modes', () => {
  test('routing off, or free for all, leaves the record unassigned', async () => {
    assert.deepEqual(await route('nowhere'), {
      assignee: null,
      assigneeType: null,
      ruleIndex: null,
      reason: 'routing is not set up for nowhere',
    });
    await configure('off_module', { enabled: false, mode: 'singleUser', singleUserId: a });
    assert.equal((await route('off_module')).assignee, null);
    assert.match((await route('off_module')).reason, /off/);
    await configure('ffa', { mode: 'freeForAll' });
    assert.equal((await route('ffa')).assignee, null);
  });

  test('single user gets every record while eligible', async () => {
    await configure('single', { mode: 'singleUser', singleUserId: c });
    assert.deepEqual(await assignees('single', 3), [c, c, c]);
    await setAvailable(c, false);
    assert.equal((await route('single')).assignee, null);
    await setAvailable(c, true);
  });

  test('single user mode requires its user', async () => {
    const response = await admin.request('PUT', '/api/routing/single2', {
      enabled: true,
      mode: 'singleUser',
    });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json().error.details, [
      { field: 'singleUserId', reason: 'is required when mode is singleUser' },
    ]);
  });

  test('round robin cycles through the chosen users in a stable order', async () => {
    await configure('rr', { mode: 'roundRobin', userIds: [c, a, b] });
    assert.deepEqual(await assignees('rr', 7), [a, b, c, a, b, c, a]);
  });

  test('round robin with no list cycles through every active, available user', async () => {
    const adminUser = (await admin.request('GET', '/api/me')).json().id;
    await admin.request('PATCH', '/api/me', { available: false });
    await setAvailable(d, false);
    await admin.request('PATCH', `/api/users/${e}`, { active: false });
    await configure('rr_all', { mode: 'roundRobin' });
    assert.deepEqual(await assignees('rr_all', 6), [a, b, c, a, b, c]);
    await admin.request('PATCH', `/api/users/${e}`, { active: true });
    await setAvailable(d, true);
    await setAvailable(adminUser, true);
  });

  test('an unavailable user is skipped and gets their turn back, in order, when available again', async () => {
    await configure('skip', { mode: 'roundRobin', userIds: [a, b, c] });
    assert.deepEqual(await assignees('skip', 1), [a]);
    await setAvailable(b, false);
    assert.deepEqual(await assignees('skip', 3), [c, a, c]);
    await setAvailable(b, true);
    assert.deepEqual(await assignees('skip', 4), [a, b, c, a]);
  });

  test('nobody available leaves the record unassigned', async () => {
    await configure('none', { mode: 'roundRobin', userIds: [d] });
    await setAvailable(d, false);
    const decision = await route('none');
    assert.equal(decision.assignee, null);
    assert.match(decision.reason, /no eligible user/);
    await setAvailable(d, true);
  });
});

describe('online only', () => {
  test('only signed-in, visible users get records; nobody online follows the setting', async () => {
    await configure('online', { mode: 'roundRobin', userIds: [b, c, d], onlineOnly: true });
    // Nobody in the list is signed in (the admin is, but is not in it): the default falls back to every available user.
    const fallback = await route('online');
    assert.equal(fallback.assignee, b);
    assert.match(fallback.reason, /nobody online/);

    const sessionB = await login(app, usernameOf.get(b), password);
    assert.deepEqual(await assignees('online', 2), [b, b]);
    const sessionC = await login(app, usernameOf.get(c), password);
    assert.deepEqual(await assignees('online', 2), [c, b]);
    await sessionC.request('PATCH', '/api/me', { invisible: true });
    assert.deepEqual(await assignees('online', 2), [b, b]);
    await sessionC.request('PATCH', '/api/me', { invisible: false });
    await sessionB.request('POST', '/api/auth/logout');
    await sessionC.request('POST', '/api/auth/logout');

    await configure('online', {
      mode: 'roundRobin',
      userIds: [b, c, d],
      onlineOnly: true,
      whenNobodyOnline: 'unassigned',
    });
    const none = await route('online');
    assert.equal(none.assignee, null);
    assert.match(none.reason, /nobody online/);
  });
});

describe('dry run and rotation', () => {
  test('the dry run answers the next turn without taking it', async () => {
    await configure('peek', { mode: 'roundRobin', userIds: [a, b] });
    assert.deepEqual(await assignees('peek', 1), [a]);
    for (let i = 0; i < 2; i++) {
      const dry = await admin.request('POST', '/api/routing/peek/test', { record: {} });
      assert.equal(dry.statusCode, 200);
      assert.equal(dry.json().assignee, b);
    }
    assert.deepEqual(await assignees('peek', 1), [b]);
  });

  test('the dry run works while routing is off', async () => {
    await configure('peek_off', { enabled: false, mode: 'singleUser', singleUserId: d });
    const dry = await admin.request('POST', '/api/routing/peek_off/test', { record: {} });
    assert.equal(dry.json().assignee, d);
    assert.match(dry.json().reason, /routing is off/);
  });

  test('60 concurrent routings over 3 users: 20 each, every turn once', async () => {
    await configure('burst', { mode: 'roundRobin', userIds: [a, b, c] });
    // A pool wide enough that the routings really run at the same time, each in its own transaction.
    const wide = createDb(url, 30);
    after(() => wide.destroy());
    const decisions = await Promise.all(
      Array.from({ length: 60 }, () => wide.transaction().execute((trx) => routeRecord(trx, 'burst', {}))),
    );
    const counts = new Map<string | null, number>();
    for (const decision of decisions) counts.set(decision.assignee, (counts.get(decision.assignee) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { [a]: 20, [b]: 20, [c]: 20 });
    const turns = decisions
      .map((decision) => Number(/turn (\d+)/.exec(decision.reason)?.[1]))
      .sort((x, y) => x - y);
    assert.deepEqual(
      turns,
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
  });
});

describe('batches', () => {
  test('a batch takes turns in input order, each rule on its own rotation', async () => {
    await configure('batch', {
      mode: 'customRoundRobin',
      rules: [
        { criteria: { '==': [{ var: 'state' }, 'CA'] }, kind: 'users', userIds: [a, b] },
        { criteria: true, kind: 'users', userIds: [c, d, e] },
      ],
    });
    assert.deepEqual(await assignees('batch', 1, { state: 'CA' }), [a]);
    const states = ['CA', 'NV', 'CA', 'NV', 'NV', 'CA', 'NV'];
    const decisions = await db.transaction().execute((trx) =>
      routeRecords(
        trx,
        'batch',
        states.map((state) => ({ state })),
      ),
    );
    assert.deepEqual(
      decisions.map((decision) => [decision.assignee, decision.ruleIndex]),
      [
        [b, 0],
        [c, 1],
        [a, 0],
        [d, 1],
        [e, 1],
        [b, 0],
        [c, 1],
      ],
    );
    assert.match(decisions[6]?.reason ?? '', /turn 4$/);
    assert.deepEqual(await assignees('batch', 2, { state: 'NV' }), [d, e]);
  });

  test('concurrent batches share out turns as fairly as single routings', async () => {
    await configure('burst_batch', { mode: 'roundRobin', userIds: [a, b, c] });
    const wide = createDb(url, 10);
    after(() => wide.destroy());
    const batches = await Promise.all(
      Array.from({ length: 6 }, () =>
        wide.transaction().execute((trx) =>
          routeRecords(
            trx,
            'burst_batch',
            Array.from({ length: 10 }, () => ({})),
          ),
        ),
      ),
    );
    const counts = new Map<string | null, number>();
    for (const decision of batches.flat())
      counts.set(decision.assignee, (counts.get(decision.assignee) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { [a]: 20, [b]: 20, [c]: 20 });
  });
});

describe('users leaving', () => {
  test('deleting a user hands their routing place to the heir', async () => {
    const leaver = await createUser('leaver');
    await configure('heir', {
      mode: 'singleUser',
      singleUserId: leaver,
      userIds: [leaver, a],
      rules: [{ criteria: true, kind: 'users', userIds: [leaver, a] }],
    });
    const response = await admin.request('DELETE', `/api/users/${leaver}`, { reassignTo: a });
    assert.equal(response.statusCode, 200, response.body);
    const settings = (await admin.request('GET', '/api/routing/heir')).json();
    assert.equal(settings.singleUserId, a);
    assert.deepEqual(settings.userIds, [a]);
    assert.deepEqual(settings.rules[0].userIds, [a]);
  });
});
