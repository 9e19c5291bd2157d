import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { criteriaMatch } from '../server/routing/routing-criteria.ts';
import { routingFixture } from './helpers/routing.ts';

const { admin, users, createGroup, configure, route, assignees, setAvailable } = await routingFixture([
  'between_groups',
  'dry',
  'fallthrough',
  'invalid',
  'keep',
  'within_groups',
]);
const [a, b, c, d, e] = users;

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
