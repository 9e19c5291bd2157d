import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type TypedField, toFieldType, toFieldTypes } from './field-values.ts';

const f = (type: string, options?: TypedField['options']): TypedField => ({
  name: 'amount',
  type,
  ...(options && { options }),
});

describe('values converted to the field’s type', () => {
  const cases: Array<[TypedField, unknown, unknown]> = [
    [f('number'), '42', 42],
    [f('number'), ' 1,234.5 ', 1234.5],
    [f('number'), 7, 7],
    [f('number'), '', null],
    [f('number', { decimals: 0 }), '3', 3],
    [f('currency'), '$19.99', 19.99],
    [f('percentage'), '12.5%', 12.5],
    [f('rating'), '4', 4],
    [f('boolean'), 'yes', true],
    [f('boolean'), 'FALSE', false],
    [f('boolean'), 0, false],
    [f('boolean'), '', null],
    [f('date'), '2026-03-14T22:10:00.000Z', '2026-03-14'],
    [f('date'), '2026-03-14', '2026-03-14'],
    [f('dateTime'), '2026-03-14', '2026-03-14T00:00:00.000Z'],
    [f('dateTime'), 0, '1970-01-01T00:00:00.000Z'],
    [f('text'), 12, '12'],
    [f('text'), true, 'true'],
    [f('email'), 'a@b.c', 'a@b.c'],
    [f('tags'), 'a, b,,c', ['a', 'b', 'c']],
    [f('dropdown'), 'Open', 'Open'],
    [f('link'), 'x1', 'x1'],
    [f('number'), null, null],
  ];
  for (const [field, value, expected] of cases) {
    test(`${field.type}${field.options ? JSON.stringify(field.options) : ''}: ${JSON.stringify(value)} → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(toFieldType(field, value), expected);
    });
  }
});

describe('values that cannot be converted fail naming the field and the value', () => {
  const cases: Array<[TypedField, unknown, RegExp]> = [
    [f('number'), 'forty', /^amount: "forty" is not a number$/],
    [f('number', { decimals: 0 }), '3.5', /^amount: "3.5" is not a whole number$/],
    [f('rating'), 2.5, /is not a whole number/],
    [f('boolean'), 'maybe', /^amount: "maybe" is not yes or no$/],
    [f('date'), 'next week', /^amount: "next week" is not a date$/],
    [f('number'), { a: 1 }, /is not a number/],
    [f('text'), { a: 1 }, /is not text/],
  ];
  for (const [field, value, message] of cases) {
    test(`${field.type}: ${JSON.stringify(value)}`, () => {
      assert.throws(() => toFieldType(field, value), { name: 'FieldValueError', message });
    });
  }
});

test('toFieldTypes converts by field name and leaves unknown fields alone', () => {
  assert.deepEqual(toFieldTypes([{ name: 'employees', type: 'number' }], { employees: '41', nickname: 5 }), {
    employees: 41,
    nickname: 5,
  });
});
