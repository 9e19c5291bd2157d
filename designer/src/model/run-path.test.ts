import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Flow } from '../../../schemas/flow.ts';
import { type PathStep, runPath, varsOf } from './run-path.ts';

const flow: Flow = {
  name: 'Route',
  trigger: { type: 'trigger.recordCreated', params: { module: 'contacts' } },
  nodes: [
    {
      id: 'if',
      type: 'control.if',
      params: { condition: { '==': [{ var: 'record.lastName' }, 'Smith'] } },
      position: { x: 0, y: 0 },
    },
    { id: 'assign', type: 'record.assign', params: {}, position: { x: 0, y: 0 } },
    { id: 'post', type: 'feed.post', params: {}, position: { x: 0, y: 0 } },
    { id: 'mail', type: 'email.send', params: {}, position: { x: 0, y: 0 } },
  ],
  edges: [
    { source: 'trigger', target: 'if' },
    { source: 'if', sourceHandle: 'true', target: 'assign' },
    { source: 'if', sourceHandle: 'false', target: 'post' },
    { source: 'assign', target: 'mail' },
  ],
} as Flow;

const step = (nodeId: string, status: string): PathStep => ({
  nodeId,
  nodeType: flow.nodes.find((n) => n.id === nodeId)?.type ?? '',
  status,
  attempt: 1,
  error: status === 'failed' ? { message: 'boom' } : null,
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:00:01Z',
  input: {},
  output: {},
});

test('the path: trigger, the if with its branch and deciding value, the steps that ran, in order', () => {
  const path = runPath(flow, [step('assign', 'done'), step('mail', 'failed')], {
    record: { lastName: 'Smith' },
  });
  assert.deepEqual(
    path.map((node) => [node.nodeId, node.branch ?? null, node.steps.at(-1)?.status ?? null]),
    [
      ['trigger', null, null],
      ['if', 'true', null],
      ['assign', null, 'done'],
      ['mail', null, 'failed'],
    ],
  );
  assert.deepEqual(path[1]?.values, [{ path: 'record.lastName', value: 'Smith' }]);
});

test('the false branch when only its nodes ran; nodes that did not run are left out', () => {
  const path = runPath(flow, [step('post', 'done')], { record: { lastName: 'Jones' } });
  assert.deepEqual(
    path.map((node) => [node.nodeId, node.branch ?? null]),
    [
      ['trigger', null],
      ['if', 'false'],
      ['post', null],
    ],
  );
});

test('a condition reads each variable once', () => {
  assert.deepEqual(
    [
      ...varsOf({
        and: [{ '==': [{ var: 'record.a' }, 1] }, { '>': [{ var: ['record.b', 0] }, { var: 'record.a' }] }],
      }),
    ],
    ['record.a', 'record.b'],
  );
});

test('a recorded decision is the branch shown, even one with no steps, with the values read then', () => {
  const onlyIf = { ...flow, edges: flow.edges.filter((e) => e.target !== 'post') } as Flow;
  // Nothing ran after the if: inferred from the steps, the if is not even shown as passed.
  assert.deepEqual(
    runPath(onlyIf, [], { record: { lastName: 'Jones' } }).map((node) => node.nodeId),
    ['trigger'],
  );
  const decided = runPath(
    onlyIf,
    [],
    { record: { lastName: 'Smith' } },
    {
      if: { handle: 'false', values: { 'record.lastName': 'Jones' } },
    },
  );
  assert.deepEqual(
    decided.map((node) => node.nodeId),
    ['trigger', 'if'],
  );
  assert.equal(decided[1]?.branch, 'false');
  assert.equal(decided[1]?.recorded, true);
  assert.deepEqual(decided[1]?.values, [{ path: 'record.lastName', value: 'Jones' }]);
});
