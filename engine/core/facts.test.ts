import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ConditionContext, conditionVariables, validateCondition, test as when } from './conditions.ts';
import {
  type ConditionFacts,
  factRequest,
  factsNeeded,
  MissingFactsError,
  mergeFacts,
  unanswered,
} from './facts.ts';

const facts: ConditionFacts = {
  online: { ada: true, bob: false },
  lists: { vip: { r1: true, r2: false }, churned: { r1: false } },
};
const context: ConditionContext = {
  record: { id: 'r1', assignedTo: 'ada', partner: 'r2', nobody: null },
  vars: { owner: 'bob' },
  facts,
};

describe('userOnline and onList read the facts', () => {
  const cases: Array<[rule: unknown, expected: boolean]> = [
    [{ userOnline: [{ var: 'record.assignedTo' }] }, true],
    [{ userOnline: [{ var: 'vars.owner' }] }, false],
    [{ userOnline: ['ada'] }, true],
    [{ '!': { userOnline: [{ var: 'vars.owner' }] } }, true],
    // Nobody is not online, and asks nothing.
    [{ userOnline: [{ var: 'record.nobody' }] }, false],
    [{ userOnline: [''] }, false],
    [{ onList: ['vip'] }, true],
    [{ onList: ['vip', { var: 'record.partner' }] }, false],
    [{ onList: ['churned'] }, false],
    [{ onList: ['vip', { var: 'record.nobody' }] }, false],
    [{ and: [{ onList: ['vip'] }, { userOnline: [{ var: 'record.assignedTo' }] }] }, true],
    [{ or: [{ onList: ['churned'] }, { userOnline: ['bob'] }] }, false],
  ];
  for (const [rule, expected] of cases) {
    test(`${JSON.stringify(rule)} is ${expected}`, () => {
      assert.equal(when(rule, context), expected);
    });
  }

  const missing: Array<[rule: unknown, ctx: ConditionContext, request: unknown, message: RegExp]> = [
    [{ userOnline: ['carol'] }, context, { users: ['carol'], lists: {} }, /whether user carol is online/],
    [{ onList: ['vip', 'r9'] }, context, { users: [], lists: { vip: ['r9'] } }, /record r9 is on list vip/],
    [{ onList: ['other'] }, context, { users: [], lists: { other: ['r1'] } }, /record r1 is on list other/],
    // No facts at all: a loud failure, never a silent false.
    [{ userOnline: ['ada'] }, { record: {} }, { users: ['ada'], lists: {} }, /no such fact was supplied/],
    [{ onList: ['vip'] }, { record: { id: 'r1' } }, { users: [], lists: { vip: ['r1'] } }, /on list vip/],
    // Ids are keys of the answers, read as own properties only.
    [{ userOnline: ['toString'] }, context, { users: ['toString'], lists: {} }, /user toString/],
    [{ userOnline: ['__proto__'] }, context, { users: ['__proto__'], lists: {} }, /user __proto__/],
    [{ onList: ['constructor'] }, context, { users: [], lists: { constructor: ['r1'] } }, /constructor/],
  ];
  for (const [rule, ctx, request, message] of missing) {
    test(`${JSON.stringify(rule)} without its fact fails, naming it`, () => {
      assert.throws(
        () => when(rule, ctx),
        (error: unknown) =>
          error instanceof MissingFactsError &&
          message.test(error.message) &&
          JSON.stringify(error.request) === JSON.stringify(request),
      );
    });
  }

  test('a short-circuited branch asks nothing', () => {
    assert.equal(when({ and: [false, { userOnline: ['carol'] }] }, context), false);
  });
});

describe('the validator checks their arguments', () => {
  const cases: Array<[rule: unknown, codes: string[]]> = [
    [{ userOnline: [{ var: 'record.assignedTo' }] }, []],
    [{ userOnline: ['6f1c0d52-8f5e-4a39-9d4e-3a1f2b6c7d8e'] }, []],
    [{ onList: ['6f1c0d52-8f5e-4a39-9d4e-3a1f2b6c7d8e'] }, []],
    [{ onList: ['list', { var: 'steps.find.output.id' }] }, []],
    [{ userOnline: [] }, ['condition.arity']],
    [{ userOnline: ['a', 'b'] }, ['condition.arity']],
    [{ userOnline: [5] }, ['condition.argument']],
    [{ userOnline: [null] }, ['condition.argument']],
    [{ onList: [] }, ['condition.arity']],
    [{ onList: ['a', 'b', 'c'] }, ['condition.arity']],
    // The list is written out, so the lists a flow reads are known before it runs.
    [{ onList: [{ var: 'vars.list' }] }, ['condition.argument']],
    [{ onList: [''] }, ['condition.argument']],
    [{ onList: [12] }, ['condition.argument']],
    [{ onList: ['list', true] }, ['condition.argument']],
    [{ onList: ['list', { var: 'a.__proto__' }] }, ['condition.forbiddenPath']],
  ];
  for (const [rule, codes] of cases) {
    test(`${JSON.stringify(rule)}: ${codes.join(', ') || 'valid'}`, () => {
      assert.deepEqual(
        validateCondition(rule).map((p) => p.code),
        codes,
      );
    });
  }

  test('onList without a record id reads the current record', () => {
    assert.deepEqual(conditionVariables({ onList: ['vip'] }), ['record.id']);
    assert.deepEqual(conditionVariables({ onList: ['vip', { var: 'vars.other' }] }), ['vars.other']);
  });
});

describe('factsNeeded and factRequest say what to look up', () => {
  const rule = {
    and: [
      { userOnline: [{ var: 'record.assignedTo' }] },
      { or: [{ onList: ['vip'] }, { '!': { onList: ['churned', { var: 'record.partner' }] } }] },
      { some: [{ var: 'vars.people' }, { userOnline: [{ var: 'id' }] }] },
      { onList: ['vip'] },
    ],
  };

  test('statically: presence, and every list named', () => {
    assert.deepEqual(factsNeeded(rule), { presence: true, lists: ['vip', 'churned'] });
    assert.deepEqual(factsNeeded([{ onList: ['a'] }, { '==': [1, 1] }]), { presence: false, lists: ['a'] });
    assert.deepEqual(factsNeeded({ '==': [{ var: 'record.x' }, 1] }), { presence: false, lists: [] });
  });

  test('against a context: the users and records each operator will ask about', () => {
    // The `some` body reads its items, not the context: evaluation asks for those itself.
    assert.deepEqual(factRequest(rule, context), {
      users: ['ada'],
      lists: { vip: ['r1'], churned: ['r2'] },
    });
  });

  test('nothing to ask where the ids are empty', () => {
    assert.deepEqual(factRequest({ userOnline: [{ var: 'record.nobody' }] }, context), {
      users: [],
      lists: {},
    });
    assert.deepEqual(factRequest({ onList: ['vip'] }, { record: null }), { users: [], lists: {} });
  });

  test('the request a context makes answers every question the rule asks there', () => {
    const plain = { and: [{ userOnline: [{ var: 'vars.owner' }] }, { onList: ['vip'] }] };
    const asked = factRequest(plain, { ...context, facts: undefined });
    const answers: ConditionFacts = {
      online: Object.fromEntries(asked.users.map((u) => [u, true])),
      lists: Object.fromEntries(
        Object.entries(asked.lists).map(([l, rs]) => [l, Object.fromEntries(rs.map((r) => [r, true]))]),
      ),
    };
    assert.equal(when(plain, { ...context, facts: answers }), true);
  });

  test('unanswered and mergeFacts', () => {
    const request = { users: ['ada', 'carol'], lists: { vip: ['r1', 'r3'], other: ['r1'] } };
    assert.deepEqual(unanswered(request, facts), { users: ['carol'], lists: { vip: ['r3'], other: ['r1'] } });
    assert.deepEqual(unanswered(request, undefined), request);
    const merged = mergeFacts(facts, {
      online: { carol: true },
      lists: { vip: { r3: true }, other: { r1: false } },
    });
    assert.deepEqual(merged, {
      online: { ada: true, bob: false, carol: true },
      lists: { vip: { r1: true, r2: false, r3: true }, churned: { r1: false }, other: { r1: false } },
    });
    assert.deepEqual(unanswered(request, merged), { users: [], lists: {} });
  });

  test('an id like __proto__ stays a plain key', () => {
    const merged = mergeFacts({}, { lists: JSON.parse('{"__proto__": {"r1": true}}') });
    assert.equal(Object.getPrototypeOf(merged.lists), Object.prototype);
    assert.equal(when({ onList: ['__proto__'] }, { record: { id: 'r1' }, facts: merged }), true);
  });
});

describe('processStatus reads the facts', () => {
  const withProcess: ConditionContext = {
    record: { id: 'r1' },
    facts: { processes: { p: { r1: { s1: 'completed', s2: 'started' }, r2: {} } } },
  };
  const cases: Array<[rule: unknown, expected: boolean]> = [
    [{ processStatus: ['p', 's1', 'completed'] }, true],
    [{ processStatus: ['p', 's1', 'started'] }, true],
    [{ processStatus: ['p', 's2', 'completed'] }, false],
    [{ processStatus: ['p', 's2', 'notCompleted'] }, true],
    [{ processStatus: ['p', 's3', 'notStarted'] }, true],
    [{ processStatus: ['p', 's1', 'notStarted'] }, false],
    [{ processStatus: ['p', 's1', 'started', 'r2'] }, false],
    [{ processStatus: ['p', 's1', 'notStarted', 'r2'] }, true],
  ];
  for (const [rule, expected] of cases) {
    test(JSON.stringify(rule), () => assert.equal(when(rule, withProcess), expected));
  }
  test('an unanswered question throws, naming the process', () => {
    assert.throws(() => when({ processStatus: ['q', 's1', 'started'] }, withProcess), MissingFactsError);
    assert.deepEqual(factRequest({ processStatus: ['q', 's1', 'started'] }, withProcess).processes, {
      q: ['r1'],
    });
    assert.deepEqual(factsNeeded({ processStatus: ['q', 's1', 'started'] }).processes, ['q']);
  });
  test('the validator wants the ids written out and a known state', () => {
    assert.equal(validateCondition({ processStatus: ['p', 's1', 'started'] }).length, 0);
    assert.equal(validateCondition({ processStatus: ['p', 's1', 'maybe'] }).length, 1);
    assert.equal(validateCondition({ processStatus: [{ var: 'x' }, 's1', 'started'] }).length, 1);
  });
});
