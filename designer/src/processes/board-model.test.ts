import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moveCard, planMove } from './board-model.ts';

const stages = [
  { id: 'a', name: 'A' },
  { id: 'b', name: 'B', requireComment: true },
  { id: 'c', name: 'C' },
  { id: 'd', name: 'D', requireComment: true },
];

test('planMove: forward asks for the comments of the stages it completes; backward reverts', () => {
  assert.deepEqual(planMove(stages, 'a', 'd'), {
    direction: 'forward',
    needComments: [{ id: 'b', name: 'B' }],
  });
  assert.deepEqual(
    planMove(stages, 'b', 'completed').needComments.map((s) => s.id),
    ['b', 'd'],
  );
  assert.equal(planMove(stages, 'c', 'a').direction, 'backward');
  assert.equal(planMove(stages, 'c', 'c').direction, 'none');
});

test('moveCard moves counts and totals with the card', () => {
  const columns = [
    {
      stageId: 'a',
      count: 2,
      total: 30,
      cards: [
        { id: 'x', value: 10 },
        { id: 'y', value: 20 },
      ],
    },
    { stageId: 'b', count: 0, total: null, cards: [] },
  ];
  const moved = moveCard(columns, 'x', 'b');
  assert.deepEqual(
    moved.map((c) => [c.count, c.total, c.cards.map((card) => card.id)]),
    [
      [1, 20, ['y']],
      [1, 10, ['x']],
    ],
  );
});
