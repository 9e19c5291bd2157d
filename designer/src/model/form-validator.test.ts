import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RJSFSchema } from '@rjsf/utils';
import { formValidator } from './form-validator.ts';

const schema: RJSFSchema = {
  type: 'object',
  properties: {
    text: { type: 'string', minLength: 1 },
    visibility: { enum: ['public', 'private'] },
    nested: { type: 'object', properties: { count: { type: 'number' } } },
  },
  required: ['text'],
  additionalProperties: false,
};

test('errors land on the field they are about, as rjsf expects', () => {
  const { errors, errorSchema } = formValidator.validateFormData(
    { visibility: 'team', nested: { count: 'x' }, extra: 1 },
    schema,
  );
  assert.deepEqual(
    errors.map((e) => [e.property, e.name]),
    [
      ['.text', 'required'],
      ['.visibility', 'enum'],
      ['.nested.count', 'type'],
      ['.extra', 'additionalProperties'],
    ],
  );
  const tree = errorSchema as unknown as {
    text?: { __errors?: string[] };
    nested?: { count?: { __errors?: string[] } };
  };
  assert.deepEqual(tree.text?.__errors, ["must have required property 'text'"]);
  assert.equal(tree.nested?.count?.__errors?.length, 1);
});

test('valid data has no errors; isValid follows refs into the root schema', () => {
  assert.deepEqual(formValidator.validateFormData({ text: 'hi' }, schema).errors, []);
  const root: RJSFSchema = {
    definitions: { name: { type: 'string' } },
    properties: { n: { $ref: '#/definitions/name' } },
  };
  assert.equal(formValidator.isValid({ $ref: '#/definitions/name' }, 'Ada', root), true);
  assert.equal(formValidator.isValid({ $ref: '#/definitions/name' }, 42, root), false);
});
