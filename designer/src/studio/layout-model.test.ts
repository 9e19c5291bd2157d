import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addRow,
  addSection,
  moveField,
  placedFields,
  removeField,
  removeRow,
  removeSection,
  type Sections,
} from './layout-model.ts';

const layout = (): Sections => [
  {
    title: 'Main',
    collapsible: false,
    collapsed: false,
    rows: [{ columns: [{ fields: ['name', 'code'] }, { fields: ['budget'] }] }],
  },
];

test('moving a field takes it out of its column and appends it to the target', () => {
  const moved = moveField(layout(), 'name', { section: 0, row: 0, column: 1 });
  assert.deepEqual(moved[0]?.rows[0]?.columns, [{ fields: ['code'] }, { fields: ['budget', 'name'] }]);
});

test('a field from the list lands once, and edits never change their input', () => {
  const before = layout();
  const added = moveField(before, 'stage', { section: 0, row: 0, column: 0 });
  assert.deepEqual([...placedFields(added)].sort(), ['budget', 'code', 'name', 'stage']);
  assert.deepEqual(before, layout());
});

test('rows and sections are added and removed by position', () => {
  const withRow = addRow(layout(), 0, 3);
  assert.equal(withRow[0]?.rows[1]?.columns.length, 3);
  assert.equal(removeRow(withRow, 0, 0)[0]?.rows[0]?.columns.length, 3);
  const two = addSection(layout());
  assert.equal(two.length, 2);
  assert.deepEqual(removeSection(two, 1), layout());
});

test('removing a field empties its place and leaves the rest', () => {
  const removed = removeField(layout(), 'code');
  assert.deepEqual([...placedFields(removed)].sort(), ['budget', 'name']);
});
