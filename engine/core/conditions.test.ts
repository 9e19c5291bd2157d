import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import jsonLogic from 'json-logic-js';
import {
  type ConditionContext,
  conditionVariables,
  evaluate,
  validateCondition,
  test as when,
} from './conditions.ts';

const data = {
  record: {
    firstName: 'Ada',
    age: 36,
    tags: ['vip', 'Hot'],
    score: '12',
    account: { name: 'Acme' },
    none: null,
  },
  previous: { firstName: 'Ada', age: 35, tags: ['vip'] },
  vars: { list: [1, 2, 3, 4], words: ['a', 'b'] },
  now: '2025-03-14T23:30:00.000Z',
};

describe('standard operators behave as json-logic-js', () => {
  const rules: unknown[] = [
    { '==': [1, '1'] },
    { '===': [1, '1'] },
    { '!=': [{ var: 'record.firstName' }, 'Ada'] },
    { '!==': [1, 1] },
    { '>': [{ var: 'record.age' }, 30] },
    { '>=': [{ var: 'record.score' }, 12] },
    { '<': [1, { var: 'record.age' }, 40] },
    { '<=': [36, { var: 'record.age' }, 36] },
    { '!': [[]] },
    { '!!': ['0'] },
    { and: [true, 'x', 0] },
    { or: [false, '', 'first', 'second'] },
    { if: [false, 'a', { var: 'record.none' }, 'b', 'c'] },
    { if: [{ '>': [{ var: 'record.age' }, 18] }, 'adult', 'minor'] },
    { '?:': [true, 1, 2] },
    { '+': [1, '2', 3.5] },
    { '-': [10, 4] },
    { '-': [3] },
    { '*': [2, '3', 4] },
    { '/': [9, 2] },
    { '%': [10, 3] },
    { min: [3, 1, 2] },
    { max: [3, 1, 2] },
    { in: ['Spr', 'Springfield'] },
    { in: ['vip', { var: 'record.tags' }] },
    { cat: ['Hi ', { var: 'record.firstName' }, null] },
    { substr: ['jsonlogic', 4] },
    { substr: ['jsonlogic', -5] },
    { substr: ['jsonlogic', 1, 3] },
    { substr: ['jsonlogic', 4, -2] },
    { merge: [[1, 2], 3, [4]] },
    { var: 'record.account.name' },
    { var: ['record.missing', 'fallback'] },
    { var: 'vars.list.1' },
    { var: 'record.none' },
    { missing: ['record.firstName', 'record.lastName', 'record.none'] },
    { missing_some: [1, ['record.firstName', 'record.lastName']] },
    { missing_some: [2, ['record.firstName', 'record.lastName']] },
    { map: [{ var: 'vars.list' }, { '*': [{ var: '' }, 2] }] },
    { filter: [{ var: 'vars.list' }, { '>': [{ var: '' }, 2] }] },
    { reduce: [{ var: 'vars.list' }, { '+': [{ var: 'current' }, { var: 'accumulator' }] }, 0] },
    { all: [{ var: 'vars.list' }, { '>': [{ var: '' }, 0] }] },
    { all: [[], true] },
    { some: [{ var: 'vars.list' }, { '==': [{ var: '' }, 3] }] },
    { none: [{ var: 'vars.words' }, { '==': [{ var: '' }, 'c'] }] },
  ];
  for (const rule of rules) {
    test(JSON.stringify(rule), () => {
      assert.deepEqual(evaluate(rule, data), jsonLogic.apply(rule as jsonLogic.RulesLogic, data));
    });
  }
});

describe('X2CRM operators', () => {
  const cases: Array<[rule: unknown, expected: boolean, context?: ConditionContext]> = [
    [{ changed: ['age'] }, true],
    [{ changed: ['firstName'] }, false],
    [{ changed: ['tags'] }, true],
    [{ changed: ['account.name'] }, true],
    [{ changed: ['firstName'] }, true, { record: { firstName: 'Ada' } }],
    [{ changed: ['firstName'] }, false, { record: { firstName: null }, previous: {} }],
    [{ contains: [{ var: 'record.firstName' }, 'd'] }, true],
    [{ contains: [{ var: 'record.firstName' }, 'AD'] }, true],
    [{ contains: [{ var: 'record.tags' }, 'vip'] }, true],
    [{ contains: [{ var: 'record.lastName' }, 'x'] }, false],
    [{ notContains: [{ var: 'record.firstName' }, 'z'] }, true],
    [{ notContains: [{ var: 'record.tags' }, 'vip'] }, false],
    [{ empty: [{ var: 'record.none' }] }, true],
    [{ empty: [{ var: 'record.missing' }] }, true],
    [{ empty: [''] }, true],
    [{ empty: [[]] }, true],
    [{ empty: [0] }, false],
    [{ notEmpty: [{ var: 'record.firstName' }] }, true],
    [{ notEmpty: [{ var: 'record.none' }] }, false],
    [{ between: [{ var: 'record.age' }, 30, 40] }, true],
    [{ between: [{ var: 'record.age' }, 36, 36] }, true],
    [{ between: [{ var: 'record.score' }, '2', '9'] }, false],
    [{ between: ['2025-03-14', '2025-01-01', '2025-12-31'] }, true],
    [{ between: [{ var: 'record.none' }, 0, 10] }, false],
    [{ inList: [{ var: 'record.age' }, '35, 36,37'] }, true],
    [{ inList: ['Web', ['Web', 'Email']] }, true],
    [{ inList: ['web', ['Web']] }, false],
    [{ notInList: ['Phone', 'Web, Email'] }, true],
    [{ notInList: ['Web', 'Web, Email'] }, false],
    [{ hasTags: [{ var: 'record.tags' }, 'vip, #hot'] }, true],
    [{ hasTags: [{ var: 'record.tags' }, ['vip', 'cold']] }, false],
    [{ hasTags: ['a, b', 'test, '] }, false],
    [{ hasTags: [{ var: 'record.tags' }, []] }, true],
    // 2025-03-14T23:30Z is Friday 23:30 in UTC and Saturday 00:30 in Paris.
    [{ '==': [{ dayOfWeek: [] }, 5] }, true],
    [{ '==': [{ dayOfWeek: ['Europe/Paris'] }, 6] }, true],
    [{ '==': [{ dayOfMonth: ['Europe/Paris'] }, 15] }, true],
    [{ '==': [{ month: [] }, 3] }, true],
    [{ '==': [{ timeOfDay: [] }, '23:30'] }, true],
    [{ '==': [{ timeOfDay: ['Europe/Paris'] }, '00:30'] }, true],
    [{ between: [{ timeOfDay: ['America/New_York'] }, '09:00', '20:00'] }, true],
    [{ inList: [{ dayOfWeek: [] }, [1, 2, 3, 4, 5]] }, true],
    [{ '==': [{ month: [] }, 1] }, true, { now: '2025-01-31T23:59:59Z' }],
  ];
  for (const [rule, expected, context] of cases) {
    test(`${JSON.stringify(rule)} → ${expected}`, () => {
      assert.equal(when(rule, context ?? data), expected);
    });
  }

  test('the calendar operators default to the evaluation time zone', () => {
    assert.equal(evaluate({ timeOfDay: [] }, data, { timeZone: 'Asia/Tokyo' }), '08:30');
  });
});

describe('safety', () => {
  const unsafe: unknown[] = [
    { var: '__proto__' },
    { var: 'record.constructor.name' },
    { var: 'record.__proto__.polluted' },
    { var: { cat: ['record.', 'constructor'] } },
    { map: [[{}], { var: 'prototype' }] },
  ];
  for (const rule of unsafe) {
    test(`evaluation refuses ${JSON.stringify(rule)}`, () => {
      assert.throws(() => evaluate(rule, data), { name: 'ConditionError' });
    });
  }

  test('an own "__proto__" key from JSON.parse is still refused', () => {
    const record = JSON.parse('{"__proto__": {"admin": true}}');
    assert.throws(() => evaluate({ var: 'record.__proto__.admin' }, { record }), { name: 'ConditionError' });
  });

  const unknown: unknown[] = [
    { method: ['x', 'toUpperCase'] },
    { log: ['x'] },
    { toString: [] },
    { 'Math.max': [1] },
  ];
  for (const rule of unknown) {
    test(`evaluation and validation reject ${JSON.stringify(rule)}`, () => {
      assert.throws(() => evaluate(rule, data), /unknown operator/);
      assert.equal(validateCondition(rule)[0]?.code, 'condition.unknownOperator');
    });
  }

  test('properties of the operator table are not operators', () => {
    assert.throws(() => evaluate({ hasOwnProperty: ['x'] }, data), /unknown operator/);
    assert.throws(() => evaluate({ __proto__: null, constructor: [] } as unknown, data), /unknown operator/);
  });
});

describe('validateCondition', () => {
  const cases: Array<[rule: unknown, codes: string[]]> = [
    [{ and: [{ '==': [{ var: 'record.a' }, 1] }, { changed: ['b'] }] }, []],
    [{ and: [{ '==': [1] }] }, ['condition.arity']],
    [{ between: [1, 2] }, ['condition.arity']],
    [
      { or: [{ nope: [] }, { var: 'x.prototype' }] },
      ['condition.unknownOperator', 'condition.forbiddenPath'],
    ],
    [{ if: [true, { dayOfWeek: ['UTC', 'extra'] }] }, ['condition.arity']],
    [true, []],
    ['text', []],
  ];
  for (const [rule, codes] of cases) {
    test(JSON.stringify(rule), () => {
      assert.deepEqual(
        validateCondition(rule).map((p) => p.code),
        codes,
      );
    });
  }

  test('reports where the problem is', () => {
    assert.deepEqual(validateCondition({ and: [true, { nope: 1 }] }), [
      { path: '/and/1/nope', code: 'condition.unknownOperator', message: 'unknown operator "nope"' },
    ]);
  });

  test('refuses rules nested too deep instead of overflowing the stack', () => {
    let rule: unknown = true;
    for (let i = 0; i < 200; i += 1) rule = { '!': [rule] };
    assert.equal(validateCondition(rule).at(-1)?.code, 'condition.tooDeep');
    assert.throws(() => evaluate(rule, data), /deeper/);
  });
});

test('conditionVariables lists the context paths a rule reads', () => {
  const rule = {
    and: [
      { '==': [{ var: 'record.firstName' }, 'x'] },
      { some: [{ var: 'vars.list' }, { '==': [{ var: 'item' }, 1] }] },
      { var: ['steps.n1.output.ok', false] },
    ],
  };
  assert.deepEqual(conditionVariables(rule), ['record.firstName', 'vars.list', 'steps.n1.output.ok']);
});
