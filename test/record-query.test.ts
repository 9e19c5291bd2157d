import assert from 'node:assert/strict';
import { test } from 'node:test';
import { test as holds } from '../engine/core/conditions.ts';
import { compileWhere, parseWhere } from '../server/records/record-query.ts';
import { createItems, fields, refusal, rowId, rows, u1, u2, u3 } from './helpers/record-items.ts';

const { db, matching } = await createItems();

const v = (name: string) => ({ var: name });

// [what, rule, expected row numbers]: every operator on every field type it applies to.
const matrix: [string, unknown, number[]][] = [
  ['text ==', { '==': [v('name'), 'carol'] }, [3]],
  ['text == is exact', { '==': [v('name'), 'Carol'] }, []],
  ['text === ', { '===': [v('name'), 'carol'] }, [3]],
  ['text !=', { '!=': [v('name'), 'carol'] }, [1, 2, 4, 5]],
  ['text !==', { '!==': [v('name'), 'carol'] }, [1, 2, 4, 5]],
  ['text contains, any case', { contains: [v('name'), 'SMITH'] }, [1]],
  ['text contains a quote', { contains: [v('name'), "o'b"] }, [2]],
  ['text contains % literally', { contains: [v('name'), '%'] }, [4]],
  ['text contains _ literally', { contains: [v('name'), '_'] }, [4]],
  ['text contains \\ literally', { contains: [v('name'), '\\'] }, [4]],
  ['text notContains', { notContains: [v('name'), 'a'] }, [2, 5]],
  ['text in list', { in: [v('name'), ['carol', 'Alice Smith']] }, [1, 3]],
  ['text not in list', { '!': { in: [v('name'), ['carol', 'Alice Smith']] } }, [2, 4, 5]],
  ['text in: substring, case-sensitive', { in: ['Bri', v('name')] }, [2]],
  ['text in: substring, other case', { in: ['bri', v('name')] }, []],
  ['text empty', { empty: [v('name')] }, [5]],
  ['text notEmpty', { notEmpty: [v('name')] }, [1, 2, 3, 4]],
  ['text number value', { '==': [v('phone'), 5550101] }, []],
  ['longText contains %', { contains: [v('notes'), '50%'] }, [4]],
  ['longText notContains holds for NULL', { notContains: [v('notes'), 'vip'] }, [2, 3, 4, 5]],
  ['longText != holds for NULL', { '!=': [v('notes'), 'x'] }, [1, 2, 3, 4]],
  ['longText == null', { '==': [v('notes'), null] }, [3]],
  ['longText != null', { '!=': [v('notes'), null] }, [1, 2, 4, 5]],
  ['longText empty', { empty: [v('notes')] }, [2, 3]],
  ['longText notEmpty', { notEmpty: [v('notes')] }, [1, 4, 5]],
  ['number ==', { '==': [v('amount'), 10] }, [1, 4]],
  ['number == numeric text', { '==': [v('amount'), '10'] }, [1, 4]],
  ['number !=', { '!=': [v('amount'), 10] }, [2, 3, 5]],
  ['number > is exact', { '>': [v('amount'), 10] }, [2]],
  ['number >=', { '>=': [v('amount'), 10] }, [1, 2, 4]],
  ['number <', { '<': [v('amount'), 10] }, [5]],
  ['number <=', { '<=': [v('amount'), 10] }, [1, 4, 5]],
  ['number value first', { '<': [10, v('amount')] }, [2]],
  ['number between', { between: [v('amount'), -10, 10] }, [1, 4, 5]],
  ['number 3-arg <=', { '<=': [10, v('amount'), 20] }, [1, 2, 4]],
  ['number with an exponent', { '<': [v('amount'), '-5e0'] }, [5]],
  ['number 3-arg <', { '<': [-5.5, v('amount'), 20] }, [1, 4]],
  ['number in', { in: [v('amount'), [20, -5.5]] }, [2, 5]],
  ['number empty', { empty: [v('amount')] }, [3]],
  ['number notEmpty', { notEmpty: [v('amount')] }, [1, 2, 4, 5]],
  ['number ! holds for NULL', { '!': { '>': [v('amount'), 10] } }, [1, 3, 4, 5]],
  ['currency >=', { '>=': [v('price'), 99.99] }, [1, 4]],
  ['currency <', { '<': [v('price'), 10] }, [3]],
  ['currency == 0', { '==': [v('price'), 0] }, [3]],
  ['currency !=', { '!=': [v('price'), 0] }, [1, 2, 4, 5]],
  ['currency between', { between: [v('price'), 10, 100] }, [1, 2]],
  ['percentage >', { '>': [v('pct'), 5] }, [2, 4]],
  ['percentage <=', { '<=': [v('pct'), 5] }, [1, 5]],
  ['percentage ==', { '==': [v('pct'), 12.5] }, [2]],
  ['percentage empty', { empty: [v('pct')] }, [3]],
  ['date ==', { '==': [v('due'), '2024-01-10'] }, [1, 4]],
  ['date != holds for NULL', { '!=': [v('due'), '2024-01-10'] }, [2, 3, 5]],
  ['date >', { '>': [v('due'), '2024-01-10'] }, [2]],
  ['date >=', { '>=': [v('due'), '2024-01-10'] }, [1, 2, 4]],
  ['date <', { '<': [v('due'), '2024-01-01'] }, [5]],
  ['date between', { between: [v('due'), '2024-01-01', '2024-01-31'] }, [1, 4]],
  ['date in', { in: [v('due'), ['2023-12-31', '2024-02-01']] }, [2, 5]],
  ['date empty', { empty: [v('due')] }, [3]],
  ['dateTime ==', { '==': [v('seenAt'), '2024-01-10T08:00:00Z'] }, [1]],
  ['dateTime without zone is UTC', { '==': [v('seenAt'), '2024-01-10T08:00:00'] }, [1]],
  ['dateTime microseconds', { '==': [v('seenAt'), '2024-02-01T12:30:00.123456Z'] }, [2]],
  ['dateTime > is exact to the microsecond', { '>': [v('seenAt'), '2024-01-10T08:00:00Z'] }, [2, 4]],
  ['dateTime >=', { '>=': [v('seenAt'), '2024-01-10T08:00:00Z'] }, [1, 2, 4]],
  ['dateTime < with an offset', { '<': [v('seenAt'), '2024-01-10T09:00:00+01:00'] }, [5]],
  ['dateTime <= with an offset', { '<=': [v('seenAt'), '2024-01-10T09:00:00+01:00'] }, [1, 5]],
  ['dateTime with a short offset', { '==': [v('seenAt'), '2024-01-10T09:00+01'] }, [1]],
  ['dateTime with a space and offset +0100', { '==': [v('seenAt'), '2024-01-10 09:00:00+0100'] }, [1]],
  ['dateTime between dates', { between: [v('seenAt'), '2024-01-01', '2024-01-31'] }, [1, 4]],
  ['dateTime empty', { empty: [v('seenAt')] }, [3]],
  ['boolean == true', { '==': [v('active'), true] }, [1, 4]],
  ['boolean == false', { '==': [v('active'), false] }, [2, 5]],
  ['boolean == "true"', { '==': [v('active'), 'true'] }, [1, 4]],
  ['boolean != true holds for NULL', { '!=': [v('active'), true] }, [2, 3, 5]],
  ['boolean var alone', v('active'), [1, 4]],
  ['boolean ! var', { '!': v('active') }, [2, 3, 5]],
  ['boolean !! var', { '!!': [v('active')] }, [1, 4]],
  ['boolean empty', { empty: [v('active')] }, [3]],
  ['email ==', { '==': [v('email'), 'alice@acme.com'] }, [1]],
  ['email contains, any case', { contains: [v('email'), 'acme'] }, [1, 4]],
  ['email in', { in: [v('email'), ['bob@example.org']] }, [2]],
  ['email empty', { empty: [v('email')] }, [3, 5]],
  ['email notEmpty', { notEmpty: [v('email')] }, [1, 2, 4]],
  ['phone contains', { contains: [v('phone'), '0303'] }, [3]],
  ['phone <', { '<': [v('phone'), '555-02'] }, [1, 4]],
  ['phone empty', { empty: [v('phone')] }, [2, 4, 5]],
  ['url contains', { contains: [v('site'), 'https'] }, [1]],
  ['url notContains', { notContains: [v('site'), 'https'] }, [2, 3, 4, 5]],
  ['url empty', { empty: [v('site')] }, [2, 3, 5]],
  ['dropdown ==', { '==': [v('stage'), 'Web'] }, [1]],
  ['dropdown !=', { '!=': [v('stage'), 'Web'] }, [2, 3, 4, 5]],
  ['dropdown in', { in: [v('stage'), ['Web', 'Referral']] }, [1, 2]],
  ['dropdown in with null', { in: [v('stage'), ['Web', null]] }, [1, 3]],
  ['dropdown in []', { in: [v('stage'), []] }, []],
  ['dropdown not in', { '!': [{ in: [v('stage'), ['Web', 'Referral']] }] }, [3, 4, 5]],
  ['dropdown inList (X2CRM comma text)', { inList: [v('stage'), 'Web, Referral'] }, [1, 2]],
  ['dropdown notInList', { notInList: [v('stage'), ['Web']] }, [2, 3, 4, 5]],
  ['dropdown contains', { contains: [v('stage'), 'web'] }, [1, 4]],
  ['dropdown empty', { empty: [v('stage')] }, [3, 5]],
  ['multi-dropdown contains', { contains: [v('colors'), 'blue'] }, [1, 2]],
  ['multi-dropdown notContains', { notContains: [v('colors'), 'blue'] }, [3, 4, 5]],
  ['multi-dropdown in: shares a value', { in: [v('colors'), ['red', 'green']] }, [1, 5]],
  ['multi-dropdown in: value in field', { in: ['blue', v('colors')] }, [1, 2]],
  ['multi-dropdown == list', { '==': [v('colors'), ['blue']] }, [2]],
  ['multi-dropdown == is set equality', { '==': [v('colors'), ['blue', 'red']] }, [1]],
  ['multi-dropdown != list', { '!=': [v('colors'), ['blue']] }, [1, 3, 4, 5]],
  ['multi-dropdown empty', { empty: [v('colors')] }, [3, 4]],
  ['multi-dropdown notEmpty', { notEmpty: [v('colors')] }, [1, 2, 5]],
  ['link ==', { '==': [v('owner'), u1] }, [1, 4]],
  ['link !=', { '!=': [v('owner'), u1] }, [2, 3, 5]],
  ['link in', { in: [v('owner'), [u2, u3]] }, [2, 5]],
  ['link empty', { empty: [v('owner')] }, [3]],
  ['assignment ==', { '==': [v('assignedTo'), u3] }, [4]],
  ['assignment not in', { '!': { in: [v('assignedTo'), [u1]] } }, [2, 3, 4, 5]],
  ['assignment empty', { empty: [v('assignedTo')] }, [3, 5]],
  ['assignment notEmpty', { notEmpty: [v('assignedTo')] }, [1, 2, 4]],
  ['rating >=', { '>=': [v('rating'), 4] }, [1, 5]],
  ['rating >', { '>': [v('rating'), 4] }, [1]],
  ['rating between', { between: [v('rating'), 2, 4] }, [2, 5]],
  ['rating == numeric text', { '==': [v('rating'), '3'] }, [2]],
  ['tags contains', { contains: [v('tags'), 'hot'] }, [1, 4]],
  ['tags contains is exact membership', { contains: [v('tags'), 'HOT'] }, []],
  ['tags notContains', { notContains: [v('tags'), 'hot'] }, [2, 3, 5]],
  ['tags in', { in: [v('tags'), ['vip', 'cold']] }, [1, 5]],
  ['tags hasTags, normalised as flows do', { hasTags: [v('tags'), ['#HOT', ' vip ']] }, [1]],
  ['tags hasTags comma text', { hasTags: [v('tags'), 'hot'] }, [1, 4]],
  ['tags hasTags nothing', { hasTags: [v('tags'), []] }, [1, 2, 3, 4, 5]],
  ['multi-dropdown hasTags', { hasTags: [v('colors'), ['Blue']] }, [1, 2]],
  ['tags empty', { empty: [v('tags')] }, [2, 3]],
  ['tags notEmpty', { notEmpty: [v('tags')] }, [1, 4, 5]],
  ['and', { and: [{ '==': [v('stage'), 'Web'] }, { '>': [v('amount'), 5] }] }, [1]],
  ['or', { or: [{ '==': [v('stage'), 'Referral'] }, { contains: [v('tags'), 'cold'] }] }, [2, 5]],
  [
    '! over or',
    { '!': { or: [{ '==': [v('stage'), 'Referral'] }, { contains: [v('tags'), 'cold'] }] } },
    [1, 3, 4],
  ],
  [
    'nested groups',
    {
      and: [
        { or: [{ '==': [v('active'), true] }, { empty: [v('amount')] }] },
        { '!': [{ contains: [v('name'), 'dave'] }] },
      ],
    },
    [1, 3],
  ],
  ['not', { not: { '==': [v('stage'), 'Web'] } }, [2, 3, 4, 5]],
  ['true', true, [1, 2, 3, 4, 5]],
  ['false', false, []],
  ['and []', { and: [] }, [1, 2, 3, 4, 5]],
  ['or []', { or: [] }, []],
  ["flows' record. prefix", { '==': [v('record.stage'), 'Web'] }, [1]],
  ['var as a one-element list', { '==': [{ var: ['stage'] }, 'Web'] }, [1]],
  ['id', { '==': [v('id'), rowId(2)] }, [2]],
];

for (const [what, rule, expected] of matrix) {
  test(`where: ${what}`, async () => {
    assert.deepEqual(await matching(compileWhere(rule, fields)), expected);
  });
}

/**
 * Where a list and a flow disagree on a rule, and why. Everything else in the matrix picks
 * the same rows in SQL as engine/core's evaluator picks in memory.
 */
const differs: Record<string, string> = {
  'number <': 'NULL never compares; JavaScript has null < 10',
  'number <=': 'NULL never compares',
  'number 3-arg <': 'NULL never compares',
  'currency <': 'NULL never compares',
  'percentage <=': 'NULL never compares',
  'dateTime without zone is UTC': 'instants, not strings, are compared',
  'dateTime with a short offset': 'instants, not strings, are compared',
  'dateTime with a space and offset +0100': 'instants, not strings, are compared',
  'dateTime > is exact to the microsecond': 'instants, not strings, are compared',
  'dateTime >=': 'instants, not strings, are compared',
  'dateTime < with an offset': 'instants, not strings, are compared',
  'dateTime <= with an offset': 'instants, not strings, are compared',
  'boolean == "true"': 'a typed field takes "true" as true',
  'multi-dropdown in: shares a value': 'JavaScript compares arrays by reference',
  'multi-dropdown == list': 'JavaScript compares arrays by reference',
  'multi-dropdown == is set equality': 'JavaScript compares arrays by reference',
  'multi-dropdown != list': 'JavaScript compares arrays by reference',
  'tags in': 'JavaScript compares arrays by reference',
  not: 'json-logic has only "!"',
  'and []': 'an empty group is every record; json-logic wants one argument',
};

test('where picks the rows a flow condition picks, except where SQL types make it exact', () => {
  const records = rows.map(([n, ...values]) => {
    const record: Record<string, unknown> = Object.fromEntries(
      fields.map((field, i) => [field.name, values[i]]),
    );
    record.id = rowId(n);
    return [n, { ...record, record }] as const;
  });
  for (const [what, rule, expected] of matrix) {
    let picked: unknown;
    try {
      picked = records.filter(([, record]) => holds(rule, record)).map(([n]) => n);
    } catch (error) {
      picked = String(error);
    }
    if (Object.hasOwn(differs, what)) assert.notDeepEqual(picked, expected, what);
    else assert.deepEqual(picked, expected, what);
  }
});

const deep = (levels: number): unknown => (levels === 0 ? true : { '!': deep(levels - 1) });

const refused: [string, unknown, RegExp][] = [
  ['an unknown field', { '==': [v('fooBar'), 1] }, /unknown field "fooBar"/],
  ['__proto__', { '==': [v('__proto__'), 1] }, /forbidden field name "__proto__"/],
  ['constructor', { '==': [v('constructor'), 1] }, /forbidden field name "constructor"/],
  ['record.__proto__', { '==': [v('record.__proto__'), 1] }, /forbidden/],
  ['a path into a field', { '==': [v('owner.name'), 'x'] }, /unknown field "owner.name"/],
  ['arithmetic', { '==': [v('amount'), { '+': [1, 2] }] }, /values must be literals/],
  ['an unsupported operator', { '+': [1, 2] }, /unsupported operator "\+"/],
  ['if', { if: [true, true, false] }, /unsupported operator "if"/],
  ['an operator from the prototype', JSON.parse('{"__proto__":[1,2]}'), /unsupported operator "__proto__"/],
  ['text for a number', { '==': [v('amount'), 'abc'] }, /"amount" expects a number, got "abc"/],
  ['text for a currency', { '>': [v('price'), '1,000'] }, /"price" expects a number/],
  ['Infinity-like text', { '>': [v('pct'), 'Infinity'] }, /"pct" expects a number/],
  ['a bad date', { '==': [v('due'), '2024-02-30'] }, /"due" expects a date \(YYYY-MM-DD\)/],
  ['a timestamp for a date', { '==': [v('due'), '2024-01-10T00:00:00Z'] }, /"due" expects a date/],
  ['a bad date-time', { '>': [v('seenAt'), 'yesterday'] }, /"seenAt" expects an ISO 8601 date-time/],
  ['an offset PostgreSQL refuses', { '>': [v('seenAt'), '2024-01-10T08:00:00-23:59'] }, /ISO 8601/],
  ['an exponent that overflows numeric', { '>': [v('amount'), '1e99999'] }, /"amount" expects a number/],
  ['an impossible hour', { '>': [v('seenAt'), '2024-01-01T25:00:00Z'] }, /ISO 8601/],
  ['a bad boolean', { '==': [v('active'), 'yes'] }, /"active" expects true or false/],
  ['a bad uuid', { '==': [v('owner'), "1' or '1'='1"] }, /"owner" expects a uuid/],
  ['a fractional rating', { '==': [v('rating'), 3.5] }, /"rating" expects a whole number/],
  ['a rating beyond smallint', { '>': [v('rating'), 99999] }, /"rating" expects a whole number/],
  ['an object for text', { '==': [v('name'), { a: 1 }] }, /values must be literals/],
  ['a list for text', { '==': [v('name'), ['a']] }, /"name" expects text/],
  [
    'a NUL character',
    JSON.parse('{"contains":[{"var":"name"},"a\\u0000"]}'),
    /"name" expects text without NUL/,
  ],
  ['a NUL character in a tag', { contains: [v('tags'), '\u0000'] }, /"tags" expects text without NUL/],
  [
    'contains on a number',
    { contains: [v('amount'), '1'] },
    /"contains" does not apply to number field "amount"/,
  ],
  ['contains on a uuid', { contains: [v('owner'), u1] }, /"contains" does not apply/],
  ['< on a boolean', { '<': [v('active'), true] }, /"<" does not apply to boolean field "active"/],
  ['> on tags', { '>': [v('tags'), 'a'] }, /">" does not apply to tags field "tags"/],
  ['hasTags on text', { hasTags: [v('name'), ['a']] }, /"hasTags" does not apply to text field "name"/],
  ['between on a uuid', { between: [v('owner'), u1, u2] }, /"between" does not apply/],
  ['== a scalar on a list field', { '==': [v('colors'), 'blue'] }, /"colors" holds a list/],
  ['two fields', { '==': [v('name'), v('email')] }, /compares two fields/],
  ['no field', { '==': [1, 1] }, /needs a field/],
  ['a var default', { '==': [{ var: ['name', 'x'] }, 'x'] }, /"var" defaults are not supported/],
  ['a numeric var', { '==': [{ var: 1 }, 'x'] }, /"var" needs a field name/],
  ['a bare string', 'name', /a condition is an object with one operator/],
  ['two operators in one object', { '==': [v('name'), 'a'], '!=': [v('name'), 'b'] }, /one operator/],
  ['a list', [{ '==': [v('name'), 'a'] }], /one operator/],
  ['null', null, /one operator/],
  [
    'a long list, quoted short',
    [Array(100).fill('x')],
    /^a condition is an object with one operator, got .{57}\.\.\.$/,
  ],
  ['a comparison with null', { '>': [v('amount'), null] }, /cannot compare "amount" with null/],
  ['between with null', { between: [v('amount'), null, 3] }, /needs two bounds/],
  ['contains null', { contains: [v('name'), null] }, /needs a value/],
  ['a wrong arity', { '==': [v('name')] }, /"==" takes 2 arguments, got 1/],
  ['3-arg < without the field in the middle', { '<': [v('amount'), 1, 2] }, /field in the middle/],
  ['3-arg >', { '>': [1, v('amount'), 2] }, /">" takes 2 arguments, got 3/],
  ['a wrong in', { in: [v('name'), 'abc'] }, /"name" must be compared with a list/],
  ['too deep', deep(40), /nested deeper than 32/],
  [
    'too many conditions',
    { or: Array.from({ length: 250 }, () => ({ empty: [v('name')] })) },
    /more than 200/,
  ],
  ['a SQL field name', { '==': [v('name" = name or "x'), 1] }, /unknown field/],
  ['a SQL field name with ;', { '==': [v('name; drop table rq_items'), 1] }, /unknown field/],
];

for (const [what, rule, reason] of refused) {
  test(`where refuses ${what} with a 400 naming where`, () => {
    assert.throws(() => compileWhere(rule, fields), refusal('where', reason));
  });
}

test('parseWhere reads the query parameter: absent, blank, bad JSON', async () => {
  assert.equal(parseWhere(undefined, fields), undefined);
  assert.equal(parseWhere('  ', fields), undefined);
  assert.throws(() => parseWhere('{"==":[', fields), refusal('where', /is not valid JSON/));
  const condition = parseWhere('{"==":[{"var":"leadSource"},"Web"]}', [
    { name: 'leadSource', column: 'stage', type: 'dropdown', searchable: false },
  ]);
  assert.ok(condition);
  assert.deepEqual(await matching(condition), [1]);
});

test('values are bound parameters: quotes and SQL in values find nothing and change nothing', async () => {
  const hostile = "x' or '1'='1'; drop table rq_items; --";
  for (const rule of [
    { '==': [v('name'), hostile] },
    { contains: [v('name'), hostile] },
    { in: [v('stage'), [hostile, "Web'--"]] },
    { contains: [v('tags'), hostile] },
  ]) {
    const query = db.selectFrom('rq_items').select('n').where(compileWhere(rule, fields)).compile();
    assert.ok(!query.sql.includes('drop table'), query.sql);
    assert.ok(query.parameters.some((p) => p === hostile || String(p).includes('drop table')));
    assert.deepEqual(await matching(compileWhere(rule, fields)), []);
  }
  assert.deepEqual(await matching(compileWhere({ '==': [v('name'), "Bob O'Brien"] }, fields)), [2]);
  const count = await db
    .selectFrom('rq_items')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirst();
  assert.equal(Number(count?.count), 5);
});
