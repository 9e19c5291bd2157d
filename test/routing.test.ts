import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createDb } from '../server/db/index.ts';
import { routeRecord, routeRecords } from '../server/services/routing.ts';
import { criteriaMatch } from '../server/services/routing-criteria.ts';
import { createTestApp, login } from './helpers/app.ts';

const { app, db, url } = await createTestApp();
const admin = await login(app);
const password = 'routing-password-1';

async function createUser(username: string): Promise<string> {
  const response = await admin.request('POST', '/api/users', { username, password, firstName: username });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string }>().id;
}

async function createGroup(name: string, memberIds: string[]): Promise<string> {
  const response = await admin.request('POST', '/api/groups', { name, memberIds });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string }>().id;
}

async function configure(module: string, body: Record<string, unknown>) {
  const response = await admin.request('PUT', `/api/routing/${module}`, { enabled: true, ...body });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

const route = (module: string, record: Record<string, unknown> = {}) =>
  db.transaction().execute((trx) => routeRecord(trx, module, record));

async function assignees(module: string, count: number, record: Record<string, unknown> = {}) {
  const out: (string | null)[] = [];
  for (let i = 0; i < count; i++) out.push((await route(module, record)).assignee);
  return out;
}

async function setAvailable(userId: string, available: boolean) {
  const response = await admin.request('PATCH', `/api/users/${userId}`, { available });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json().available, available);
}

// Five users, named in id order so that rotations read a, b, c, …
const ids = (await Promise.all(['u1', 'u2', 'u3', 'u4', 'u5'].map(createUser))).sort();
const [a, b, c, d, e] = ids as [string, string, string, string, string];
const usernameOf = new Map<string, string>();
for (const id of ids) {
  const user = await admin.request('GET', `/api/users/${id}`);
  usernameOf.set(id, user.json().username);
}

// Custom modules for the tests to route in, one per test so that rotations do not mix.
for (const name of [
  'batch',
  'between_groups',
  'burst',
  'burst_batch',
  'dry',
  'fallthrough',
  'ffa',
  'heir',
  'invalid',
  'keep',
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
  'within_groups',
  'doomed',
]) {
  const response = await admin.request('POST', '/api/modules', { name, label: name });
  assert.equal(response.statusCode, 201, response.body);
}

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

describe('custom round robin', () => {
  test('the highest-priority matching rule wins; no match leaves the record unassigned', async () => {
    await configure('cases', {
      mode: 'customRoundRobin',
      rules: [
        { criteria: { '==': [{ var: 'state' }, 'CA'] }, kind: 'users', userIds: [a] },
        { criteria: { '==': [{ var: 'state' }, 'CA'] }, kind: 'users', userIds: [b] },
        { criteria: { '>': [{ var: 'impact' }, 2] }, kind: 'users', userIds: [c, d] },
      ],
    });
    assert.deepEqual(await route('cases', { state: 'CA', impact: 4 }), {
      assignee: a,
      assigneeType: 'user',
      ruleIndex: 0,
      reason: 'rules[0] matched: 1 users, turn 1',
    });
    assert.deepEqual(await assignees('cases', 3, { state: 'NV', impact: 3 }), [c, d, c]);
    const none = await route('cases', { state: 'NV', impact: 2 });
    assert.equal(none.assignee, null);
    assert.equal(none.reason, 'no rule matched: left unassigned');
  });

  test('a matching rule with nobody eligible passes to the next matching rule', async () => {
    await configure('fallthrough', {
      mode: 'customRoundRobin',
      rules: [
        { criteria: { '==': [{ var: 'leadSource' }, 'Web'] }, kind: 'users', userIds: [d] },
        { criteria: true, kind: 'users', userIds: [e] },
      ],
    });
    await setAvailable(d, false);
    const decision = await route('fallthrough', { leadSource: 'Web' });
    assert.equal(decision.assignee, e);
    assert.equal(decision.ruleIndex, 1);
    assert.match(decision.reason, /rules\[0\] matched but nobody was eligible/);
    await setAvailable(d, true);
    assert.equal((await route('fallthrough', { leadSource: 'Web' })).assignee, d);
  });

  test('users within groups rotate over the members of the groups', async () => {
    const sales = await createGroup('Sales', [b, c]);
    const support = await createGroup('Support', [c, d]);
    await configure('within_groups', {
      mode: 'customRoundRobin',
      rules: [{ criteria: true, kind: 'usersInGroups', groupIds: [sales, support] }],
    });
    assert.deepEqual(await assignees('within_groups', 6), [b, c, d, b, c, d]);
  });

  test('rotation between groups assigns the record to a group that has someone eligible', async () => {
    const east = await createGroup('East', [a]);
    const west = await createGroup('West', [b]);
    const empty = await createGroup('Nobody home', [e]);
    const groups = [east, west, empty].sort();
    await configure('between_groups', {
      mode: 'customRoundRobin',
      rules: [{ criteria: true, kind: 'groups', groupIds: groups }],
    });
    await setAvailable(e, false);
    const decision = await route('between_groups');
    assert.equal(decision.assigneeType, 'group');
    const eligible = [east, west].sort();
    assert.deepEqual(
      [decision.assignee, ...(await assignees('between_groups', 3))],
      [...eligible, ...eligible],
    );
    await setAvailable(e, true);
  });

  test('saving rules back with their ids keeps their rotation; new rules start afresh', async () => {
    const first = await configure('keep', {
      mode: 'customRoundRobin',
      rules: [{ criteria: true, kind: 'users', userIds: [a, b, c] }],
    });
    assert.deepEqual(await assignees('keep', 1), [a]);
    const kept = first.rules[0];
    await configure('keep', { mode: 'customRoundRobin', rules: [{ ...kept }] });
    assert.deepEqual(await assignees('keep', 1), [b]);
    await configure('keep', { mode: 'customRoundRobin', rules: [{ ...kept, id: undefined }] });
    assert.deepEqual(await assignees('keep', 1), [a]);
  });
});

describe('criteria', () => {
  const score = (op: string, value: unknown) => ({ [op]: [{ var: 'score' }, value] });
  const cases: [string, unknown, Record<string, unknown>, boolean][] = [
    ['> is exact (X2CRM meant >=)', score('>', 10), { score: 10 }, false],
    ['> above', score('>', 10), { score: 11 }, true],
    ['>= equal', score('>=', 10), { score: 10 }, true],
    ['< exact', score('<', 10), { score: 10 }, false],
    ['< below', score('<', 10), { score: 9.5 }, true],
    ['<= equal', score('<=', 10), { score: 10 }, true],
    ['< never holds for a missing field', score('<', 10), {}, false],
    ['< never holds for null', score('<', 10), { score: null }, false],
    ['< holds for zero', score('<', 10), { score: 0 }, true],
    ['a three-way < checks every side', { '<': [1, { var: 'score' }, 10] }, { score: 5 }, true],
    ['== text', { '==': [{ var: 'leadSource' }, 'Web'] }, { leadSource: 'Web' }, true],
    ['== other text', { '==': [{ var: 'leadSource' }, 'Web'] }, { leadSource: 'Email' }, false],
    ['!= text', { '!=': [{ var: 'leadSource' }, 'Web'] }, { leadSource: 'Email' }, true],
    ['== on a missing field', { '==': [{ var: 'leadSource' }, 'Web'] }, {}, false],
    ['in a list', { in: [{ var: 'state' }, ['CA', 'NV']] }, { state: 'NV' }, true],
    ['not in a list', { in: [{ var: 'state' }, ['CA', 'NV']] }, { state: 'OR' }, false],
    ['contains, any case', { contains: [{ var: 'company' }, 'acme'] }, { company: 'The ACME Corp' }, true],
    ['contains not', { contains: [{ var: 'company' }, 'acme'] }, { company: 'Initech' }, false],
    ['! negates', { '!': { '==': [{ var: 'state' }, 'CA'] } }, { state: 'CA' }, false],
    [
      'and needs both',
      { and: [{ '==': [{ var: 'state' }, 'CA'] }, score('>', 5)] },
      { state: 'CA', score: 5 },
      false,
    ],
    [
      'or needs one',
      { or: [{ '==': [{ var: 'state' }, 'CA'] }, score('>', 5)] },
      { state: 'NV', score: 6 },
      true,
    ],
    ['between is inclusive', { between: [{ var: 'score' }, 1, 10] }, { score: 10 }, true],
    ['between outside', { between: [{ var: 'score' }, 1, 10] }, { score: 10.01 }, false],
    [
      'dates compare as ISO text',
      { '>': [{ var: 'createdAt' }, '2026-01-01'] },
      { createdAt: new Date('2026-06-01T00:00:00Z') },
      true,
    ],
    ['true matches everything', true, {}, true],
  ];
  for (const [name, criteria, record, expected] of cases) {
    test(name, () => {
      assert.equal(criteriaMatch(criteria, record), expected);
    });
  }

  test('the dry run uses the same criteria', async () => {
    await configure('dry', {
      mode: 'customRoundRobin',
      rules: [{ criteria: score('>', 10), kind: 'users', userIds: [a] }],
    });
    const at10 = await admin.request('POST', '/api/routing/dry/test', { record: { score: 10 } });
    assert.equal(at10.json().assignee, null);
    const at11 = await admin.request('POST', '/api/routing/dry/test', { record: { score: 11 } });
    assert.equal(at11.json().assignee, a);
  });

  const invalid: [string, unknown, RegExp][] = [
    ['unknown operator', { regex: [{ var: 'email' }, '.*'] }, /operator "regex" is not allowed/],
    ['operator outside routing', { cat: ['a', 'b'] }, /operator "cat" is not allowed/],
    ['__proto__ path', { '==': [{ var: '__proto__.polluted' }, 1] }, /forbidden path segment "__proto__"/],
    ['constructor path', { '==': [{ var: 'constructor' }, 1] }, /forbidden path segment "constructor"/],
    ['computed var path', { '==': [{ var: { var: 'x' } }, 1] }, /field name must be a non-empty string/],
    ['wrong arity', { between: [{ var: 'score' }, 1] }, /"between" takes 3 argument/],
    ['not one operation', { '==': [1, 1], '!=': [1, 2] }, /must be one operation/],
  ];
  for (const [name, criteria, reason] of invalid) {
    test(`refused: ${name}`, async () => {
      const response = await admin.request('PUT', '/api/routing/invalid', {
        enabled: true,
        mode: 'customRoundRobin',
        rules: [
          { criteria: true, kind: 'users', userIds: [a] },
          { criteria, kind: 'users', userIds: [a] },
        ],
      });
      assert.equal(response.statusCode, 400, response.body);
      const [problem, ...rest] = response.json().error.details;
      assert.equal(problem.field, 'rules.1.criteria');
      assert.match(problem.reason, reason);
      assert.deepEqual(rest, []);
    });
  }

  test('rule targets are checked: kind, users and groups that exist', async () => {
    const ghost = '00000000-0000-4000-8000-000000000000';
    const response = await admin.request('PUT', '/api/routing/invalid', {
      enabled: true,
      mode: 'customRoundRobin',
      rules: [
        { criteria: true, kind: 'users', groupIds: [ghost] },
        { criteria: true, kind: 'groups', groupIds: [ghost] },
        { criteria: true, kind: 'users', userIds: [a, ghost] },
      ],
    });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(
      response
        .json()
        .error.details.map((p: { field: string; reason: string }) => `${p.field} ${p.reason}`)
        .sort(),
      [
        'rules.0.groupIds is not used by kind users',
        'rules.0.groupIds.0 is not an existing group',
        'rules.0.userIds must name a user for kind users',
        'rules.1.groupIds.0 is not an existing group',
        'rules.2.userIds.1 is not an existing user',
      ],
    );
    assert.equal((await admin.request('GET', '/api/routing/invalid')).json().updatedAt, null);
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
