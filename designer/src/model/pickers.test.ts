import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { plainProblems } from './plain-problems.ts';
import { completionAt, insertAt, matching, written } from './variables.ts';

const taskParams = {
  type: 'object',
  properties: {
    subject: { type: 'string', minLength: 1, title: 'Subject' },
    text: { type: 'string', minLength: 1, title: 'Text' },
    to: {
      type: 'string',
      enum: ['user', 'routing'],
      title: 'Assign to',
      'x-weft-choices': ['A user', 'Routing'],
    },
    assignee: { type: 'string', title: 'User or group', 'x-weft-ref': 'assignee' },
    userId: { type: 'string', minLength: 1, title: 'User', 'x-weft-ref': 'user' },
  },
};

describe('plain-language problems', () => {
  const cases: [string, string | undefined, { path: string; message: string } | null][] = [
    ["must have required property 'subject'", '', { path: '/subject', message: 'Enter a subject' }],
    ["must have required property 'text'", '', { path: '/text', message: 'Enter the text' }],
    ["must have required property 'assignee'", '', { path: '/assignee', message: 'Choose a user or group' }],
    ['must NOT have fewer than 1 characters', '/userId', { path: '/userId', message: 'Choose a user' }],
    ['must NOT have fewer than 1 characters', '/subject', { path: '/subject', message: 'Enter a subject' }],
    [
      'must be equal to one of the allowed values: "user", "routing"',
      '/to',
      { path: '/to', message: 'Choose assign to: A user, Routing' },
    ],
    ['must match "then" schema', '', null],
    [
      'The user chosen for "User" no longer exists: choose another',
      '/userId',
      { path: '/userId', message: 'The user chosen for "User" no longer exists: choose another' },
    ],
  ];
  for (const [message, path, expected] of cases)
    test(`${message} at ${path || 'the params'}`, () => {
      const [out] = plainProblems([{ code: 'node.params', nodeId: 'n', message, path }], () => taskParams);
      assert.deepEqual(out ? { path: out.path, message: out.message } : null, expected);
    });

  test('an anyOf of required params is one "Fill in … or …"', () => {
    const email = {
      type: 'object',
      properties: {
        body: { type: 'string', title: 'Text body' },
        html: { type: 'string', title: 'HTML body' },
      },
      anyOf: [{ required: ['body'] }, { required: ['html'] }],
    };
    const found = plainProblems(
      [
        { code: 'node.params', nodeId: 'n', message: "must have required property 'body'", path: '' },
        { code: 'node.params', nodeId: 'n', message: "must have required property 'html'", path: '' },
        { code: 'node.params', nodeId: 'n', message: 'must match a schema in anyOf', path: '' },
      ],
      () => email,
    );
    assert.deepEqual(
      found.map((p) => p.message),
      ['Fill in Text body or HTML body'],
    );
  });

  test('the same message on the same field is said once', () => {
    const twice = [
      { code: 'node.params', nodeId: 'n', message: "must have required property 'subject'", path: '' },
      {
        code: 'node.params',
        nodeId: 'n',
        message: 'must NOT have fewer than 1 characters',
        path: '/subject',
      },
    ];
    assert.equal(plainProblems(twice, () => taskParams).length, 1);
  });
});

describe('variables at the cursor', () => {
  test('a condition field gets the path, a text the template', () => {
    assert.equal(written('record.leadSource', 'path'), 'record.leadSource');
    assert.equal(written('record.leadSource', 'template'), '{{record.leadSource}}');
  });

  test('inserting puts the variable where the cursor is', () => {
    assert.deepEqual(insertAt('Hello , welcome', 6, 6, '{{record.firstName}}'), {
      text: 'Hello {{record.firstName}}, welcome',
      cursor: 26,
    });
  });

  test('"{{" before the cursor opens a completion, which replaces what was typed', () => {
    const text = 'Hi {{rec';
    const at = completionAt(text, text.length);
    assert.deepEqual(at, { start: 3, query: 'rec' });
    assert.deepEqual(insertAt(text, 3, text.length, '{{record.firstName}}').text, 'Hi {{record.firstName}}');
    assert.equal(completionAt('Hi {{record.x}} there', 21), null);
    assert.equal(completionAt('no braces', 9), null);
    // Closing braces typed already are not doubled.
    assert.equal(insertAt('Hi {{fir}}!', 3, 8, '{{record.firstName}}').text, 'Hi {{record.firstName}}!');
  });

  test('completion matches paths and labels', () => {
    const vars = [
      { group: 'Record', path: 'record.firstName', label: 'First name' },
      { group: 'Record', path: 'record.leadSource', label: 'Lead source' },
    ];
    assert.deepEqual(
      matching(vars, 'lead').map((v) => v.path),
      ['record.leadSource'],
    );
    assert.deepEqual(
      matching(vars, 'first n').map((v) => v.path),
      ['record.firstName'],
    );
  });
});
