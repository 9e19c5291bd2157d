import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  referencedVariables,
  render,
  renderDeep,
  type TemplateContext,
  templateStrings,
  validateTemplate,
} from './templates.ts';

const context: TemplateContext = {
  record: { firstName: 'Ada', lastName: null, age: 36, tags: ['vip', 'hot'], account: { name: 'Acme' } },
  steps: { 'http-1': { output: { status: 201, body: { id: 'x9' } } } },
  vars: { count: 0, note: '' },
  trigger: { source: 'web' },
  user: { email: 'admin@example.com' },
  now: '2025-03-14T10:00:00.000Z',
};

describe('render', () => {
  const cases: Array<[template: string, expected: unknown]> = [
    ['Hello {{record.firstName}}!', 'Hello Ada!'],
    ['{{ record.account.name }}', 'Acme'],
    ['{{record.age}}', 36],
    ['{{record.tags}}', ['vip', 'hot']],
    ['{{steps.http-1.output.body}}', { id: 'x9' }],
    ['id={{steps.http-1.output.body.id}}', 'id=x9'],
    ['{{record.tags.1}}', 'hot'],
    ['body: {{steps.http-1.output.body}}', 'body: {"id":"x9"}'],
    ['[{{record.lastName}}][{{record.missing.deep}}]', '[][]'],
    ['{{vars.count}}', 0],
    ['{{trigger.source | upper}}', 'WEB'],
    ['{{user.email|upper|lower}}', 'admin@example.com'],
    ['{{vars.note | default:"none"}}', 'none'],
    ['{{vars.count | default:"none"}}', 0],
    ['{{record.lastName | default:"a | b"}}', 'a | b'],
    ['{{record.lastName | default:"say \\"hi\\""}}', 'say "hi"'],
    ['{{record.missing | default:5}}', 5],
    ['{{record.tags | join:" / "}}', 'vip / hot'],
    ['{{record.account | json}}', '{"name":"Acme"}'],
    ['{{now}}', '2025-03-14T10:00:00.000Z'],
    ['no variables', 'no variables'],
    ['{ single braces } stay', '{ single braces } stay'],
  ];
  for (const [template, expected] of cases) {
    test(`${template} → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(render(template, context), expected);
    });
  }
});

describe('templates cannot reach code', () => {
  const rejected: Array<[template: string, code: string]> = [
    ['{{record.constructor.name}}', 'template.forbiddenPath'],
    ['{{record.__proto__}}', 'template.forbiddenPath'],
    ['{{vars.prototype}}', 'template.forbiddenPath'],
    ['{{ record.firstName.toUpperCase() }}', 'template.syntax'],
    ['{{ this.constructor.constructor("return process")() }}', 'template.syntax'],
    ['{{ record[vars.key] }}', 'template.syntax'],
    ['{{ record.firstName | default: vars.x.constructor }}', 'template.forbiddenPath'],
    ['{% include "secrets" %}', 'template.syntax'],
    ['{% render "secrets" %}', 'template.syntax'],
    ['{{process.env.SECRET}}', 'template.unknownRoot'],
    ['{{ record.firstName | eval }}', 'template.unknownFilter'],
    ['{{ record.firstName | default:x }}', 'template.unknownRoot'],
    ['{{ record.firstName', 'template.syntax'],
    ['{{}}', 'template.syntax'],
  ];
  for (const [template, code] of rejected) {
    test(`${template} is rejected (${code})`, () => {
      assert.equal(validateTemplate(template)[0]?.code, code);
      assert.throws(() => render(template, context), { name: 'TemplateError' });
    });
  }

  test('an own "__proto__" key from JSON.parse cannot be reached either', () => {
    const record = JSON.parse('{"__proto__": {"secret": 1}}');
    assert.throws(() => render('{{record.__proto__.secret}}', { record }), { name: 'TemplateError' });
  });

  test('inherited properties read as missing; an array’s own length is data', () => {
    assert.equal(render('[{{record.toString}}][{{record.tags.length}}]', context), '[][2]');
  });
});

test('referencedVariables lists each path once, without filters', () => {
  assert.deepEqual(
    referencedVariables('{{record.firstName}} {{ record.firstName | upper }} {{steps.n2.output.id}} {{now}}'),
    ['record.firstName', 'steps.n2.output.id', 'now'],
  );
});

test('renderDeep renders the strings inside params and keeps the rest', () => {
  const params = {
    to: '{{user.email}}',
    count: '{{record.age}}',
    keep: 3,
    list: ['{{record.firstName}}', true],
  };
  assert.deepEqual(renderDeep(params, context), {
    to: 'admin@example.com',
    count: 36,
    keep: 3,
    list: ['Ada', true],
  });
});

test('templateStrings finds every template with its location', () => {
  assert.deepEqual(templateStrings({ a: 'x', b: ['{{vars.a}}', { c: 'hi {{record.b}}' }] }), [
    { pointer: '/b/0', template: '{{vars.a}}' },
    { pointer: '/b/1/c', template: 'hi {{record.b}}' },
  ]);
});
