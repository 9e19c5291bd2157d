import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RecordShape, shapeProblem, userShape } from './variables.ts';

const accounts: RecordShape = {
  module: 'accounts',
  fields: {
    name: { kind: 'value', type: 'text' },
    owner: { kind: 'link', to: userShape },
    parent: { kind: 'link', depthLimit: true },
  },
};
const contacts: RecordShape = {
  module: 'contacts',
  fields: {
    firstName: { kind: 'value', type: 'text' },
    employees: { kind: 'value', type: 'number' },
    tags: { kind: 'list' },
    company: { kind: 'link', to: accounts },
    associationId: { kind: 'link' },
    assignedTo: { kind: 'link', to: userShape },
  },
};

const cases: Array<[path: string, problem: RegExp | undefined]> = [
  ['firstName', undefined],
  ['firstName.length', /record\.firstName is a text value: it has no "length"/],
  ['employees.size', /is a number value/],
  ['firstNme', /record has no field "firstNme"/],
  ['tags.0', undefined],
  ['tags.size', undefined],
  ['company', undefined],
  ['company.name', undefined],
  ['company.nme', /record\.company has no field "nme"/],
  ['company.owner.email', undefined],
  ['company.owner.emial', /record\.company\.owner has no field "emial"/],
  ['company.parent.name', /links are followed at most 3 deep/],
  ['associationId.anything', undefined],
  ['assignedTo.email', undefined],
  ['assignedTo.groups', undefined],
  ['assignedTo.mail', /record\.assignedTo has no field "mail"/],
];
for (const [path, problem] of cases) {
  test(`record.${path} → ${problem ?? 'resolves'}`, () => {
    const found = shapeProblem(contacts, path.split('.'), 'record');
    if (problem) assert.match(String(found), problem);
    else assert.equal(found, undefined);
  });
}

test('links are not followed from the previous record or in trigger conditions', () => {
  assert.match(
    String(
      shapeProblem(contacts, ['company', 'name'], 'previous', 'the previous record’s links are not followed'),
    ),
    /previous\.company\.name: the previous record’s links are not followed/,
  );
  assert.equal(shapeProblem(contacts, ['company'], 'record', 'no links here'), undefined);
});
