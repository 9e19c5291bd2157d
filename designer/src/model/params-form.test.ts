import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RJSFSchema } from '@rjsf/utils';
import { extraErrorsOf, formOf, isRule } from './params-form.ts';

test('what counts as a json-logic rule', () => {
  const cases: [unknown, boolean][] = [
    [{}, true],
    [{ description: 'json-logic' }, true],
    [{ type: ['object', 'boolean'] }, true],
    [{ type: 'object' }, false],
    [{ enum: ['minutes', 'hours'] }, false],
    [{ oneOf: [{}, {}] }, false],
    [{ type: ['string', 'null'] }, false],
  ];
  for (const [schema, expected] of cases) assert.equal(isRule(schema), expected, JSON.stringify(schema));
});

test('rules get the condition field at any depth, texts the template input, references a picker, modules a list', () => {
  const params: RJSFSchema = {
    type: 'object',
    properties: {
      module: { type: 'string' },
      conditions: { type: ['object', 'boolean'] },
      text: { type: 'string' },
      cases: {
        type: 'array',
        items: { type: 'object', properties: { handle: { type: 'string' }, condition: {} } },
      },
      unit: { enum: ['minutes'] },
      to: { type: 'string', enum: ['user', 'routing'], 'x-weft-choices': ['A user', 'Routing'] },
      assignee: { type: 'string', 'x-weft-ref': 'assignee' },
      values: { type: 'object', 'x-weft-ref': 'fieldValues' },
      subject: { type: 'string' },
    },
  } as RJSFSchema;
  const { schema, uiSchema } = formOf(params, ['contacts', 'deals']);
  assert.deepEqual(uiSchema, {
    conditions: { 'ui:field': 'condition' },
    text: { 'ui:widget': 'template', 'ui:options': { multiline: true } },
    cases: { items: { handle: { 'ui:widget': 'template' }, condition: { 'ui:field': 'condition' } } },
    to: { 'ui:enumNames': ['A user', 'Routing'] },
    assignee: { 'ui:widget': 'reference' },
    values: { 'ui:field': 'fieldValues' },
    subject: { 'ui:widget': 'template' },
    'ui:submitButtonOptions': { norender: true },
  });
  const properties = schema.properties as Record<string, RJSFSchema>;
  assert.deepEqual(properties.module?.enum, ['contacts', 'deals']);
  assert.equal(
    params.properties?.module && 'enum' in (params.properties.module as object),
    false,
    'not mutated',
  );
});

test('server problems become inline errors at their pointer', () => {
  assert.deepEqual(
    extraErrorsOf([
      { message: 'bad module', path: '/module' },
      { message: 'bad case', path: '/cases/0/condition' },
      { message: 'whole node' },
    ]),
    {
      module: { __errors: ['bad module'] },
      cases: { 0: { condition: { __errors: ['bad case'] } } },
      __errors: ['whole node'],
    },
  );
});

test('an anyOf that only says which params are required is not drawn as "Option 1 / Option 2"', () => {
  const params: RJSFSchema = {
    type: 'object',
    properties: { body: { type: 'string' }, html: { type: 'string' } },
    anyOf: [{ required: ['body'] }, { required: ['html'] }],
  };
  const { schema } = formOf(params, []);
  assert.equal('anyOf' in schema, false);
  const shaped: RJSFSchema = { anyOf: [{ type: 'string' }, { type: 'number' }] };
  assert.ok('anyOf' in formOf(shaped, []).schema, 'a real choice stays');
});
