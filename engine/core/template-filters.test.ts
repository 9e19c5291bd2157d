import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TemplateEnvironment } from './template-filters.ts';
import { filterNames, render, renderWithLiquid, type TemplateContext } from './templates.ts';

const context: TemplateContext = {
  record: {
    id: 'c1',
    module: 'contacts',
    firstName: 'ada',
    lastName: 'Lovelace',
    amount: 1234.5,
    employees: '41',
    active: 'yes',
    tags: ['vip', 'hot', 'vip'],
    size: 'XL',
    created: '2026-01-31T09:30:00.000Z',
    closes: '2026-03-15',
    notes: '  hi  ',
    nothing: null,
    empty: '',
    nested: { a: 1 },
    json: '{"a":[1,2]}',
  },
  vars: { zero: 0, rate: 1.2 },
  now: '2026-03-14T10:05:09.000Z',
};

const paris: TemplateEnvironment = {
  timeZone: 'Europe/Paris',
  locale: 'fr-FR',
  dateFormat: '%d/%m/%Y',
  timeFormat: '%H:%M',
};
const newYork: TemplateEnvironment = {
  timeZone: 'America/New_York',
  locale: 'en-US',
  dateFormat: '%m/%d/%Y',
  timeFormat: '%I:%M %p',
};

/** [template, expected, environment?] — every filter at least once. */
const cases: Array<[string, unknown, TemplateEnvironment?]> = [
  // arithmetic
  ['{{ record.amount | plus: 1 }}', 1235.5],
  ['{{ record.employees | plus: 1 }}', 42],
  ['{{ record.amount | minus: 0.5 }}', 1234],
  ['{{ record.amount | times: vars.rate | round: 2 }}', 1481.4],
  ['{{ 7 | divided_by: 2 }}', 3],
  ['{{ 7.0 | divided_by: 2.5 }}', 2.8],
  ['{{ 7 | modulo: 3 }}', 1],
  ['{{ record.amount | times: 1.005 | round: 2 }}', 1240.67],
  ['{{ 2.5 | round }}', 3],
  ['{{ 1.2 | ceil }}', 2],
  ['{{ 1.8 | floor }}', 1],
  ['{{ -4 | abs }}', 4],
  ['{{ 3 | at_least: 5 }}', 5],
  ['{{ 9 | at_most: 5 }}', 5],
  // comparison
  ['{% if record.amount > 1000 %}big{% else %}small{% endif %}', 'big'],
  ['{% if record.employees == "41" and record.tags contains "hot" %}yes{% endif %}', 'yes'],
  ['{% unless vars.zero > 0 %}none{% endunless %}', 'none'],
  ['{% case record.size %}{% when "XL" %}extra{% else %}other{% endcase %}', 'extra'],
  // text
  ['{{ record.firstName | upper }}', 'ADA'],
  ['{{ record.firstName | upcase }}', 'ADA'],
  ['{{ record.lastName | lower }}', 'lovelace'],
  ['{{ record.lastName | downcase }}', 'lovelace'],
  ['{{ record.firstName | capitalize }}', 'Ada'],
  ['[{{ record.notes | trim }}]', '[hi]'],
  ['[{{ record.notes | strip }}]', '[hi]'],
  ['[{{ record.notes | lstrip }}]', '[hi  ]'],
  ['[{{ record.notes | rstrip }}]', '[  hi]'],
  ['{{ record.firstName | append: "!" }}', 'ada!'],
  ['{{ record.firstName | prepend: "Dr " }}', 'Dr ada'],
  ['{{ "a-b-c" | replace: "-", "+" }}', 'a+b+c'],
  ['{{ "a-b-c" | replace_first: "-", "+" }}', 'a+b-c'],
  ['{{ "a-b-c" | remove: "-" }}', 'abc'],
  ['{{ record.lastName | slice: 0, 4 }}', 'Love'],
  ['{{ record.lastName | slice: -4, 4 }}', 'lace'],
  ['{{ record.lastName | truncate: 5 }}', 'Lo...'],
  ['{{ record.lastName | truncate: 5, "" }}', 'Lovel'],
  ['{{ "a,b" | split: "," }}', ['a', 'b']],
  ['{{ "a b&c" | url_encode }}', 'a%20b%26c'],
  ['{{ "<b>" | escape }}', '&lt;b&gt;'],
  // lists
  ['{{ record.tags | size }}', 3],
  ['{{ record.lastName | size }}', 8],
  ['{{ record.tags | join: " / " }}', 'vip / hot / vip'],
  ['{{ record.tags | first }}', 'vip'],
  ['{{ record.tags | last }}', 'vip'],
  ['{{ record.tags | uniq }}', ['vip', 'hot']],
  ['{{ record.tags | reverse | first }}', 'vip'],
  ['{{ record.tags | sort | first }}', 'hot'],
  ['{{ record.tags | concat: record.tags | size }}', 6],
  ['{{ record.tags | concat: record.nothing | compact | size }}', 3],
  // dates: format in the workspace's zone and locale, arithmetic, differences
  ['{{ now | date: "%Y-%m-%d %H:%M:%S" }}', '2026-03-14 10:05:09'],
  ['{{ now | date: "%Y-%m-%d %H:%M %Z" }}', '2026-03-14 11:05 GMT+1', paris],
  ['{{ now | date: "%A %-d %B" }}', 'samedi 14 mars', paris],
  ['{{ now | date: "date" }}', '14/03/2026', paris],
  ['{{ now | date: "time" }}', '06:05 AM', newYork],
  ['{{ now | date }}', '03/14/2026 06:05 AM', newYork],
  ['{{ now | date: "iso" }}', '2026-03-14T10:05:09.000Z'],
  ['{{ now | date: "%j %y %I%p %z" }}', '073 26 06AM -0400', newYork],
  ['{{ record.created | date_add: 1, "months" }}', '2026-02-28T09:30:00.000Z'],
  ['{{ record.created | date_add: 2, "hours" }}', '2026-01-31T11:30:00.000Z'],
  ['{{ record.created | date_subtract: 1, "year" }}', '2025-01-31T09:30:00.000Z'],
  ['{{ record.closes | date_diff: now, "days" }}', 0],
  ['{{ record.closes | date_diff: record.created, "days" }}', 42],
  ['{{ record.closes | date_diff: record.created, "months" }}', 1],
  ['{{ record.created | date_diff: record.closes, "weeks" }}', -6],
  ['{{ record.closes | date_add: 3, "days" | date: "%d.%m." }}', '18.03.'],
  // numbers as text
  ['{{ record.amount | number_format: 2 }}', '1,234.50'],
  ['{{ record.amount | number_format }}', '1 235', paris],
  ['{{ record.amount | currency: "eur" }}', '€1,234.50'],
  ['{{ 0.256 | percent: 1 }}', '25.6%'],
  // links
  ['{{ record | record_url }}', '/records/contacts/c1'],
  [
    '{{ record | record_url }}',
    'https://crm.example.com/records/contacts/c1',
    { ...newYork, appUrl: 'https://crm.example.com/' },
  ],
  // defaults and conversions
  ['{{ record.nothing | default: "none" }}', 'none'],
  ['{{ record.empty | default: 5 }}', 5],
  ['{{ vars.zero | default: 5 }}', 0],
  ['{{ record.employees | to_number }}', 41],
  ['{{ "3.9" | to_integer }}', 3],
  ['{{ record.amount | to_string }}', '1234.5'],
  ['{{ record.active | to_boolean }}', true],
  ['{{ "0" | to_boolean }}', false],
  ['{{ record.closes | to_date }}', '2026-03-15T00:00:00.000Z'],
  ['{{ record.empty | to_date }}', null],
  ['{{ record.nested | json }}', '{"a":1}'],
  ['{{ record.json | parse_json }}', { a: [1, 2] }],
  // reading data the way LiquidJS does
  ['{{ record.size }}', 'XL'],
  ['{{ record.tags.size }}', 3],
  ['{{ record.tags.first }}-{{ record.tags.last }}', 'vip-vip'],
  ['{{ record.tags.1 }}', 'hot'],
  ['{{ record.nested }} and {{ record.tags }}', '{"a":1} and ["vip","hot","vip"]'],
  ['{% assign n = record.amount | plus: 1 %}{{ n }}', '1235.5'],
  ['{% for t in record.tags %}{{ t }};{% endfor %}', 'vip;hot;vip;'],
  ['{%- if true -%} x {%- endif -%}', 'x'],
];

describe('every filter', () => {
  for (const [template, expected, env] of cases) {
    test(`${template} → ${JSON.stringify(expected)}${env ? ` (${env.timeZone}, ${env.locale})` : ''}`, () => {
      const rendered = render(template, context, env);
      assert.deepEqual(
        typeof rendered === 'string' ? rendered.replace(/\u202f|\u00a0/g, ' ') : rendered,
        expected,
      );
    });
  }

  test('the table covers every filter', () => {
    const used = new Set(cases.flatMap(([t]) => [...t.matchAll(/\|\s*([a-z_]+)/g)].map((m) => m[1])));
    assert.deepEqual(
      filterNames.filter((name) => !used.has(name)),
      [],
    );
  });
});

describe('the fast renderer agrees with LiquidJS', () => {
  for (const [template, , env] of cases) {
    if (template.includes('{%')) continue;
    test(template, () => {
      assert.deepEqual(render(template, context, env), renderWithLiquid(template, context, env));
    });
  }
});

describe('date arithmetic keeps the wall clock across a DST change, in the workspace zone', () => {
  // New York springs forward on 2026-03-08 (02:00 EST → 03:00 EDT) and falls back on
  // 2026-11-01; Paris springs forward on 2026-03-29. Days, weeks, months and years are
  // calendar units (noon stays noon); hours and smaller are elapsed time.
  const dst: Array<[string, Record<string, unknown>, unknown, TemplateEnvironment]> = [
    [
      '{{ vars.t | date_add: 1, "day" }}',
      { t: '2026-03-07T17:00:00.000Z' },
      '2026-03-08T16:00:00.000Z',
      newYork,
    ],
    [
      '{{ vars.t | date_subtract: 1, "day" }}',
      { t: '2026-03-08T16:00:00.000Z' },
      '2026-03-07T17:00:00.000Z',
      newYork,
    ],
    [
      '{{ vars.t | date_add: 1, "week" }}',
      { t: '2026-03-02T17:00:00.000Z' },
      '2026-03-09T16:00:00.000Z',
      newYork,
    ],
    [
      '{{ vars.t | date_add: 1, "day" }}',
      { t: '2026-10-31T16:00:00.000Z' },
      '2026-11-01T17:00:00.000Z',
      newYork,
    ],
    [
      '{{ vars.t | date_add: 1, "month" }}',
      { t: '2026-03-15T09:00:00.000Z' },
      '2026-04-15T08:00:00.000Z',
      paris,
    ],
    [
      '{{ vars.t | date_subtract: 1, "year" }}',
      { t: '2026-07-01T08:00:00.000Z' },
      '2025-07-01T08:00:00.000Z',
      paris,
    ],
    [
      '{{ vars.t | date_add: 1, "day" | date: "%d %H:%M" }}',
      { t: '2026-03-07T17:00:00.000Z' },
      '08 12:00',
      newYork,
    ],
    // 02:30 on 2026-03-08 does not exist in New York: the clock reads 03:30 (Temporal's "compatible").
    [
      '{{ vars.t | date_add: 1, "day" }}',
      { t: '2026-03-07T07:30:00.000Z' },
      '2026-03-08T07:30:00.000Z',
      newYork,
    ],
    // 01:30 on 2026-11-01 happens twice: the first one (EDT).
    [
      '{{ vars.t | date_add: 1, "day" }}',
      { t: '2026-10-31T05:30:00.000Z' },
      '2026-11-01T05:30:00.000Z',
      newYork,
    ],
    // Elapsed time is elapsed time: 01:00 EST + 2 hours is 04:00 EDT.
    [
      '{{ vars.t | date_add: 2, "hours" }}',
      { t: '2026-03-08T06:00:00.000Z' },
      '2026-03-08T08:00:00.000Z',
      newYork,
    ],
    [
      '{{ vars.b | date_diff: vars.a, "days" }}',
      { a: '2026-03-07T17:00:00.000Z', b: '2026-03-08T16:00:00.000Z' },
      1,
      newYork,
    ],
    [
      '{{ vars.a | date_diff: vars.b, "days" }}',
      { a: '2026-03-07T17:00:00.000Z', b: '2026-03-08T16:00:00.000Z' },
      -1,
      newYork,
    ],
    [
      '{{ vars.b | date_diff: vars.a, "weeks" }}',
      { a: '2026-03-02T17:00:00.000Z', b: '2026-03-09T16:00:00.000Z' },
      1,
      newYork,
    ],
    [
      '{{ vars.b | date_diff: vars.a, "hours" }}',
      { a: '2026-03-07T17:00:00.000Z', b: '2026-03-08T16:00:00.000Z' },
      23,
      newYork,
    ],
    [
      '{{ vars.b | date_diff: vars.a, "months" }}',
      { a: '2026-03-15T09:00:00.000Z', b: '2026-04-15T08:00:00.000Z' },
      1,
      paris,
    ],
  ];
  for (const [template, data, expected, env] of dst) {
    test(`${template} of ${JSON.stringify(data)} → ${JSON.stringify(expected)} (${env.timeZone})`, () => {
      assert.deepEqual(render(template, { ...context, vars: data }, env), expected);
      assert.deepEqual(renderWithLiquid(template, { ...context, vars: data }, env), expected);
    });
  }
});

describe('values a filter cannot take fail the render, naming the value', () => {
  const failures: Array<[string, RegExp]> = [
    ['{{ record.firstName | plus: 1 }}', /"ada" is not a number/],
    ['{{ record.firstName | to_number }}', /"ada" is not a number/],
    ['{{ record.firstName | date: "%Y" }}', /"ada" is not a date/],
    ['{{ record.created | date_add: 1, "fortnights" }}', /"fortnights" is not a unit of time/],
    ['{{ record.amount | divided_by: 0 }}', /division by zero/],
    ['{{ record.firstName | to_boolean }}', /"ada" is not a yes\/no value/],
    ['{{ record.firstName | parse_json }}', /is not JSON/],
  ];
  for (const [template, message] of failures) {
    test(template, () => assert.throws(() => render(template, context), { name: 'TemplateError', message }));
  }
});

test('bounded: a runaway loop stops with an error', () => {
  assert.throws(
    () =>
      render(
        '{% for a in (1..100000) %}{% for b in (1..100000) %}{{ a | append: b }}{% endfor %}{% endfor %}',
        context,
      ),
    { name: 'TemplateError' },
  );
});
