import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FieldDef } from '../console/console-api.ts';
import { toWhere } from './where-rules.ts';

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
