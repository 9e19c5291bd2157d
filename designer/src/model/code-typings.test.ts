import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeTypings, linkedModuleNames, typeOfSchema } from './code-typings.ts';

test('JSON Schemas become TypeScript types', () => {
  const cases: Array<[unknown, string]> = [
    [{ type: 'string' }, 'string'],
    [{ type: 'integer' }, 'number'],
    [{ type: ['string', 'null'] }, 'string | null'],
    [{ enum: ['a', 1] }, '"a" | 1'],
    [{ type: 'array', items: { type: 'boolean' } }, 'Array<boolean>'],
    [
      {
        type: 'object',
        properties: { total: { type: 'number' }, 'odd key': { type: 'string' } },
        required: ['total'],
      },
      '{ total: number; "odd key"?: string; }',
    ],
    [{ type: 'object' }, 'Record<string, unknown>'],
    [{}, 'unknown'],
  ];
  for (const [schema, type] of cases) assert.equal(typeOfSchema(schema), type, JSON.stringify(schema));
});

test('the typings declare the run’s data, typed from the module’s fields, and the declared output', () => {
  const text = codeTypings(
    [
      { name: 'firstName', type: 'text' },
      { name: 'employees', type: 'number' },
      { name: 'doNotCall', type: 'boolean' },
      { name: 'tags', type: 'tags' },
    ],
    { type: 'object', properties: { n: { type: 'number' } } },
  );
  for (const line of [
    'firstName: string | null;',
    'employees: number | null;',
    'doNotCall: boolean | null;',
    'tags: string[];',
    'type Output = { n?: number; };',
    'declare const record: WeftRecord;',
    'declare const steps: Record<string, { output?: any; error?: any }>;',
  ])
    assert.ok(text.includes(line), `missing ${line}`);
  assert.ok(!/setTimeout|require|process/.test(text), 'no host names are declared');
});

test('linked records are typed from the linked modules’ fields; a polymorphic link loosely; an assignment as a profile', () => {
  const text = codeTypings(
    [
      { name: 'company', type: 'link', options: { module: 'accounts' } },
      { name: 'about', type: 'link', options: { moduleField: 'aboutType' } },
      { name: 'assignedTo', type: 'assignment' },
    ],
    undefined,
    { accounts: [{ name: 'employees', type: 'number' }] },
  );
  for (const line of [
    'interface WeftLinked_accounts {',
    'employees: number | null;',
    'company?: WeftLinked_accounts | null;',
    'about?: Record<string, unknown> | null;',
    'assignedTo?: WeftUser | null;',
    'declare const linked: Readonly<WeftLinked>;',
  ])
    assert.ok(text.includes(line), `missing ${line}`);
  assert.deepEqual(linkedModuleNames([{ name: 'company', type: 'link', options: { module: 'accounts' } }]), [
    'accounts',
  ]);
});
