import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FieldDef } from '../console/console-api.ts';
import { fromWhere, toWhere } from './where-rules.ts';

const field = (name: string, type: string) => ({ name, type }) as FieldDef;
const fields = [field('lastName', 'text'), field('dealvalue', 'currency'), field('doNotEmail', 'boolean')];

test('no complete condition means no filter', () => {
  assert.equal(toWhere([], fields), undefined);
  assert.equal(toWhere([{ field: '', op: '==', value: 'x' }], fields), undefined);
});

test('values take the field type; several conditions are joined with and', () => {
  assert.deepEqual(
    toWhere(
      [
        { field: 'lastName', op: 'contains', value: 'smi' },
        { field: 'dealvalue', op: '>', value: '1000' },
        { field: 'doNotEmail', op: '==', value: 'true' },
        { field: 'lastName', op: 'empty', value: 'ignored' },
      ],
      fields,
    ),
    {
      and: [
        { contains: [{ var: 'lastName' }, 'smi'] },
        { '>': [{ var: 'dealvalue' }, 1000] },
        { '==': [{ var: 'doNotEmail' }, true] },
        { empty: [{ var: 'lastName' }] },
      ],
    },
  );
});

test('a number field keeps text that is not a number, for the API to refuse by name', () => {
  assert.deepEqual(toWhere([{ field: 'dealvalue', op: '==', value: 'lots' }], fields), {
    '==': [{ var: 'dealvalue' }, 'lots'],
  });
});

test('a where the builder made reads back as its conditions; any other json-logic does not', () => {
  const conditions = [
    { field: 'lastName', op: 'contains', value: 'smi' },
    { field: 'dealvalue', op: '>', value: '1000' },
    { field: 'doNotEmail', op: '==', value: 'true' },
    { field: 'lastName', op: 'empty', value: '' },
  ];
  assert.deepEqual(fromWhere(toWhere(conditions, fields)), conditions);
  assert.deepEqual(fromWhere(toWhere(conditions.slice(0, 1), fields)), conditions.slice(0, 1));
  assert.deepEqual(fromWhere(true), []);
  for (const other of [
    { or: [{ '==': [{ var: 'a' }, 1] }, { '==': [{ var: 'b' }, 2] }] },
    { in: [{ var: 'a' }, ['x']] },
    { '==': [{ var: 'a' }, null] },
    { and: [{ '==': [{ var: 'a' }, 1] }] },
    false,
  ])
    assert.equal(fromWhere(other), null, JSON.stringify(other));
});

test('"process stage is" makes processStatus on the record, and reads back; another record is JSON only', () => {
  const process = '6f1c0d52-8f5e-4a39-9d4e-3a1f2b6c7d8e';
  const conditions = [
    { field: 'lastName', op: '==', value: 'Smith' },
    { field: '', op: 'processStatus', value: 'notCompleted', processId: process, stageId: 's2' },
  ];
  const where = toWhere(conditions, fields);
  assert.deepEqual(where, {
    and: [{ '==': [{ var: 'lastName' }, 'Smith'] }, { processStatus: [process, 's2', 'notCompleted'] }],
  });
  assert.deepEqual(fromWhere(where), conditions);
  assert.equal(fromWhere({ processStatus: [process, 's2', 'started', 'other-record'] }), null);
  assert.equal(fromWhere({ processStatus: [process, 's2', 'finished'] }), null);
});
