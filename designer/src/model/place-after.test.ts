import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalog } from './fixtures.ts';
import type { Canvas } from './flow-graph.ts';
import { autoLayout, nodeSize } from './layout.ts';
import { freeHandle, freeSpot, placeAfter } from './place-node.ts';

const at = (x: number, y: number) => ({ x, y });
const base: Canvas = {
  nodes: [
    {
      id: 'trigger',
      type: 'trigger',
      position: at(0, 0),
      data: { nodeType: 'trigger.recordCreated', params: {} },
    },
    { id: 'if', type: 'step', position: at(0, 150), data: { nodeType: 'control.if', params: {} } },
  ],
  edges: [{ id: 'trigger:out->if', source: 'trigger', target: 'if', sourceHandle: 'out' }],
};

test('"+" on a handle adds the node below, linked from that handle, true left and false right', () => {
  const onTrue = placeAfter(base, catalog, 'feed.post', 'if', 'true');
  assert.ok(onTrue);
  const post = onTrue.nodes.find((n) => n.data.nodeType === 'feed.post');
  assert.ok(post);
  assert.ok(post.position.y > 150 + nodeSize.height, 'below its source');
  assert.ok(post.position.x < 0, 'true goes left');
  assert.ok(post.selected, 'the new node is selected');
  assert.ok(onTrue.edges.some((e) => e.source === 'if' && e.sourceHandle === 'true' && e.target === post.id));
  const onFalse = placeAfter(onTrue, catalog, 'record.assign', 'if', 'false');
  const assign = onFalse?.nodes.find((n) => n.data.nodeType === 'record.assign');
  assert.ok(assign && assign.position.x > 0, 'false goes right');
});

test('a handle already linked gets the new node in between', () => {
  const placed = placeAfter(base, catalog, 'feed.post', 'trigger', 'out');
  assert.ok(placed);
  const post = placed.nodes.find((n) => n.data.nodeType === 'feed.post');
  assert.ok(post);
  assert.deepEqual(
    placed.edges.map((e) => `${e.source}:${e.sourceHandle}->${e.target}`).sort(),
    [`${post.id}:out->if`, `trigger:out->${post.id}`].sort(),
  );
  // Never stacked on the node that was there.
  assert.notDeepEqual(post.position, { x: 0, y: 150 });
  assert.ok(
    placed.nodes.every((a) =>
      placed.nodes.every((b) => a === b || a.position.x !== b.position.x || a.position.y !== b.position.y),
    ),
  );
});

test('a free spot moves down past nodes; the palette continues from the first free handle', () => {
  assert.deepEqual(freeSpot(base, at(0, 150)).x, 0);
  assert.ok(freeSpot(base, at(0, 150)).y > 150);
  assert.equal(freeHandle(base, catalog, 'if'), 'true');
  const withTrue = placeAfter(base, catalog, 'feed.post', 'if', 'true');
  assert.ok(withTrue);
  assert.equal(freeHandle(withTrue, catalog, 'if'), 'false');
});

test('auto-layout keeps true left and false right, and cases in their order', () => {
  const canvas: Canvas = {
    nodes: [
      {
        id: 'trigger',
        type: 'trigger',
        position: at(0, 0),
        data: { nodeType: 'trigger.recordCreated', params: {} },
      },
      {
        id: 'sw',
        type: 'step',
        position: at(0, 0),
        data: {
          nodeType: 'control.switch',
          params: { cases: [{ handle: 'a' }, { handle: 'b' }, { handle: 'c' }] },
        },
      },
      { id: 'x', type: 'step', position: at(0, 0), data: { nodeType: 'feed.post', params: {} } },
      { id: 'y', type: 'step', position: at(0, 0), data: { nodeType: 'feed.post', params: {} } },
      { id: 'z', type: 'step', position: at(0, 0), data: { nodeType: 'feed.post', params: {} } },
      { id: 'z2', type: 'step', position: at(0, 0), data: { nodeType: 'feed.post', params: {} } },
    ],
    // Listed against their order, so dagre alone would draw them the wrong way round.
    edges: [
      { id: '1', source: 'trigger', target: 'sw', sourceHandle: 'out' },
      { id: '2', source: 'sw', target: 'z', sourceHandle: 'c' },
      { id: '3', source: 'sw', target: 'y', sourceHandle: 'b' },
      { id: '4', source: 'sw', target: 'x', sourceHandle: 'a' },
      { id: '5', source: 'z', target: 'z2', sourceHandle: 'out' },
    ],
  };
  const laid = autoLayout(canvas);
  const x = (id: string) => laid.nodes.find((n) => n.id === id)?.position.x ?? Number.NaN;
  assert.ok(x('x') < x('y') && x('y') < x('z'), `${x('x')} ${x('y')} ${x('z')}`);
  assert.equal(x('z2'), x('z'), 'a branch moves with its subtree');
});
