import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { catalogOf, handlesOf, paletteGroups } from './catalog.ts';
import { copySelection, deleteSelection, paste } from './clipboard.ts';
import { checkConnection, type Refusal } from './connection-rules.ts';
import { catalog, entries, sampleFlow } from './fixtures.ts';
import { defaultParams, metaOf, newNodeId, toCanvas, toFlow } from './flow-graph.ts';
import { outlineErrors } from './flow-outline.ts';
import {
  canRedo,
  canUndo,
  commitFrom,
  historyLimit,
  push,
  redo,
  replace,
  startHistory,
  undo,
} from './history.ts';
import { autoLayout, nodeSize } from './layout.ts';
import { blocksOf } from './note-text.ts';
import { placeNode } from './place-node.ts';
import { describeCondition, ruleOf, simpleOf } from './simple-condition.ts';
import { variablesFor } from './variables.ts';

describe('flow ⇄ canvas', () => {
  test('a flow survives the round trip unchanged, and the canvas survives JSON', () => {
    const canvas = toCanvas(sampleFlow);
    assert.deepEqual(JSON.parse(JSON.stringify(canvas)), canvas);
    assert.deepEqual(toFlow(metaOf(sampleFlow), canvas), sampleFlow);
  });

  test('the trigger is a node with the reserved id; main-handle edges get the handle `out`', () => {
    const canvas = toCanvas(sampleFlow);
    assert.equal(canvas.nodes[0]?.id, 'trigger');
    assert.equal(canvas.nodes[0]?.type, 'trigger');
    assert.equal(canvas.edges[0]?.sourceHandle, 'out');
    assert.equal(canvas.edges[2]?.id, 'custom-id');
  });

  test('step names and sticky notes survive the round trip, JSON, copy, delete and layout', () => {
    const named = {
      ...sampleFlow,
      nodes: sampleFlow.nodes.map((n) => (n.id === 'assign' ? { ...n, label: 'Tell the team' } : n)),
      notes: [
        { id: 'n1', text: '# Why\n- **bold** reason', color: 'blue' as const, position: { x: 10, y: 20 } },
        { id: 'n2', text: '', position: { x: 400, y: 20 }, width: 300, height: 90 },
      ],
    };
    const canvas = toCanvas(named);
    assert.equal(canvas.nodes[2]?.data.label, 'Tell the team');
    assert.deepEqual(toFlow(metaOf(named), JSON.parse(JSON.stringify(canvas))), named);
    // A selected note is not written; notes ride through the graph edits untouched.
    const selected = { ...canvas, notes: canvas.notes?.map((n) => ({ ...n, selected: true })) };
    assert.deepEqual(toFlow(metaOf(named), selected).notes, named.notes);
    assert.deepEqual(deleteSelection(selected).notes, selected.notes);
    assert.deepEqual(autoLayout(canvas).notes, canvas.notes);
    assert.equal(autoLayout(canvas).nodes[2]?.data.label, 'Tell the team');
    // The name groups the step's outputs in the variables menu; the path keeps the id.
    const withOutput = catalogOf(
      entries.map((e) =>
        e.type === 'record.assign' ? { ...e, output: { type: 'object', properties: { userId: {} } } } : e,
      ),
    );
    assert.deepEqual(
      variablesFor(canvas, withOutput, 'inner', []).filter((v) => v.path.startsWith('steps.assign')),
      [{ group: 'Tell the team (assign)', path: 'steps.assign.output.userId' }],
    );
  });

  test('a note reads a little markdown as data, never as HTML', () => {
    assert.deepEqual(blocksOf('# Why\n- **bold** one\n- two\n\nplain <b>x</b> and `code`'), [
      { kind: 'heading', spans: [{ kind: 'text', text: 'Why' }] },
      {
        kind: 'list',
        items: [
          [
            { kind: 'bold', text: 'bold' },
            { kind: 'text', text: ' one' },
          ],
          [{ kind: 'text', text: 'two' }],
        ],
      },
      {
        kind: 'paragraph',
        spans: [
          { kind: 'text', text: 'plain <b>x</b> and ' },
          { kind: 'code', text: 'code' },
        ],
      },
    ]);
  });

  test('a flow without notes or names writes none back', () => {
    const flow = toFlow(metaOf(sampleFlow), toCanvas(sampleFlow));
    assert.equal('notes' in flow, false);
    assert.ok(flow.nodes.every((n) => !('label' in n)));
  });

  test('positions are rounded when written back', () => {
    const canvas = toCanvas(sampleFlow);
    const moved = { ...canvas, nodes: canvas.nodes.map((n) => ({ ...n, position: { x: 1.4, y: 2.6 } })) };
    assert.deepEqual(toFlow(metaOf(sampleFlow), moved).nodes[0]?.position, { x: 1, y: 3 });
  });

  test('new node ids come from the type and never collide', () => {
    assert.equal(newNodeId('feed.post', ['check']), 'post');
    assert.equal(newNodeId('feed.post', ['post', 'post2']), 'post3');
    assert.equal(newNodeId('control.forEach', []), 'forEach');
  });

  test('default params come from the schema defaults', () => {
    assert.deepEqual(defaultParams(catalog.get('record.assign')?.params ?? {}), { to: 'user' });
  });
});

describe('handles', () => {
  const cases: [string, unknown, string[]][] = [
    ['trigger.recordCreated', {}, ['out']],
    ['record.assign', {}, ['out', 'error']],
    ['control.if', {}, ['true', 'false']],
    ['control.switch', { cases: [{ handle: 'hot' }, { handle: 'cold' }] }, ['hot', 'cold', 'default']],
    ['control.switch', { cases: 'broken' }, ['default']],
    ['control.parallel', {}, ['out']],
    ['control.forEach', {}, ['each', 'done']],
    ['control.end', {}, []],
    ['no.such.type', {}, ['out']],
  ];
  for (const [type, params, expected] of cases) {
    test(`${type} ${JSON.stringify(params)}`, () => {
      assert.deepEqual(
        handlesOf(catalog.get(type), params).map((h) => h.id),
        expected,
      );
    });
  }
  test('only the parallel split fans out', () => {
    assert.deepEqual(
      entries.flatMap((e) =>
        handlesOf(e, {})
          .filter((h) => h.multiple)
          .map(() => e.type),
      ),
      ['control.parallel'],
    );
  });
});

describe('connection rules', () => {
  const base = toCanvas({
    ...sampleFlow,
    nodes: [
      ...sampleFlow.nodes,
      { id: 'split', type: 'control.parallel', params: {}, position: { x: 0, y: 0 } },
      { id: 'fresh', type: 'feed.post', params: {}, position: { x: 0, y: 0 } },
      { id: 'stop', type: 'control.end', params: {}, position: { x: 0, y: 0 } },
    ],
    edges: [...sampleFlow.edges, { source: 'split', target: 'post' }],
  });
  const cases: [string, string, string | null, Refusal | null][] = [
    ['fresh', 'trigger', 'out', 'intoTrigger'],
    ['fresh', 'fresh', 'out', 'selfLoop'],
    ['fresh', 'ghost', 'out', 'unknownNode'],
    ['check', 'fresh', 'out', 'unknownHandle'],
    ['check', 'fresh', 'true', 'handleTaken'],
    ['trigger', 'fresh', 'out', 'handleTaken'],
    ['stop', 'fresh', null, 'unknownHandle'],
    ['split', 'fresh', 'out', null],
    ['split', 'post', 'out', 'duplicate'],
    ['post', 'check', 'out', 'cycle'],
    ['inner', 'assign', 'out', 'cycle'],
    ['inner', 'loop', 'out', null],
    ['inner', 'fresh', 'error', null],
    ['post', 'fresh', null, null],
    ['loop', 'fresh', 'done', null],
  ];
  for (const [source, target, sourceHandle, expected] of cases) {
    test(`${source}.${sourceHandle} → ${target}: ${expected ?? 'accepted'}`, () => {
      assert.equal(checkConnection(base, catalog, { source, target, sourceHandle }), expected);
    });
  }
});

describe('layout', () => {
  test('parents sit above their children and no two nodes overlap', () => {
    const laid = autoLayout(toCanvas(sampleFlow));
    const at = new Map(laid.nodes.map((n) => [n.id, n.position]));
    for (const edge of laid.edges) {
      if (edge.target === 'loop' && edge.source === 'inner') continue;
      assert.ok(
        (at.get(edge.source)?.y ?? 0) < (at.get(edge.target)?.y ?? 0),
        `${edge.source} above ${edge.target}`,
      );
    }
    const boxes = laid.nodes.map((n) => n.position);
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1))
        assert.ok(
          Math.abs(a.x - b.x) >= nodeSize.width || Math.abs(a.y - b.y) >= nodeSize.height,
          'nodes overlap',
        );
  });
});

describe('history', () => {
  test('undo and redo walk the snapshots; a push drops the redo branch', () => {
    let h = startHistory('a');
    h = push(h, 'b');
    h = push(h, 'c');
    h = undo(h);
    assert.equal(h.present, 'b');
    assert.ok(canRedo(h));
    h = redo(h);
    assert.equal(h.present, 'c');
    h = undo(undo(h));
    assert.equal(h.present, 'a');
    assert.equal(canUndo(h), false);
    assert.equal(undo(h), h);
    h = push(h, 'x');
    assert.equal(canRedo(h), false);
    assert.deepEqual(h.past, ['a']);
  });

  test('replace changes the present without an undo step; the past is capped', () => {
    let h = replace(startHistory(0), 1);
    assert.equal(canUndo(h), false);
    for (let i = 2; i < historyLimit + 10; i += 1) h = push(h, i);
    assert.equal(h.past.length, historyLimit);
  });
});

describe('clipboard', () => {
  test('copy takes the selected steps and the edges between them; paste renames and offsets', () => {
    const canvas = toCanvas(sampleFlow);
    const selected = {
      ...canvas,
      nodes: canvas.nodes.map((n) => ({ ...n, selected: ['trigger', 'loop', 'inner'].includes(n.id) })),
    };
    const clip = copySelection(selected);
    assert.deepEqual(
      clip?.nodes.map((n) => n.id),
      ['loop', 'inner'],
    );
    assert.equal(clip?.edges.length, 1);
    const pasted = paste(selected, clip ?? { nodes: [], edges: [] });
    const added = pasted.nodes.slice(canvas.nodes.length);
    assert.deepEqual(
      added.map((n) => n.id),
      ['forEach', 'post2'],
    );
    assert.deepEqual(added[0]?.position, { x: 40, y: 340 });
    assert.deepEqual(pasted.edges.at(-1), {
      id: 'forEach:each->post2',
      source: 'forEach',
      target: 'post2',
      sourceHandle: 'each',
      selected: false,
    });
  });

  test('nothing to copy without a selected step; delete keeps the trigger and drops dangling edges', () => {
    const canvas = toCanvas(sampleFlow);
    assert.equal(copySelection(canvas), null);
    const selected = { ...canvas, nodes: canvas.nodes.map((n) => ({ ...n, selected: n.id !== 'post' })) };
    const left = deleteSelection(selected);
    assert.deepEqual(
      left.nodes.map((n) => n.id),
      ['trigger', 'post'],
    );
    assert.deepEqual(left.edges, []);
  });
});

describe('palette', () => {
  test('triggers first, then control, then categories; search filters titles and types', () => {
    assert.deepEqual(
      paletteGroups(entries, '').map((g) => g.category),
      ['Triggers', 'Control', 'Collaboration', 'Records'],
    );
    assert.deepEqual(
      paletteGroups(entries, 'assign').flatMap((g) => g.entries.map((e) => e.type)),
      ['record.assign'],
    );
  });
});

test('history: a drag made of replaces is one undo step back to where it started', () => {
  let h = push(startHistory('a'), 'start');
  h = replace(replace(h, 'mid'), 'end');
  h = commitFrom(h, 'start');
  assert.equal(h.present, 'end');
  assert.equal(undo(h).present, 'start');
  assert.equal(undo(undo(h)).present, 'a');
  assert.equal(commitFrom(h, 'end'), h);
});

test('variables: record fields, the trigger output, and only the outputs of steps that run before', () => {
  const withOutputs = new Map(catalog);
  const post = catalog.get('feed.post');
  const trigger = catalog.get('trigger.recordCreated');
  assert.ok(post && trigger);
  withOutputs.set('feed.post', { ...post, output: { type: 'object', properties: { postId: {} } } });
  withOutputs.set('trigger.recordCreated', {
    ...trigger,
    output: { type: 'object', properties: { recordId: {} } },
  });
  const canvas = toCanvas(sampleFlow);
  assert.deepEqual(
    variablesFor(canvas, withOutputs, 'inner', ['firstName']).map((v) => v.path),
    ['record.firstName', 'trigger.recordId'],
  );
  const after = {
    ...canvas,
    edges: [...canvas.edges, { id: 'x', source: 'post', target: 'inner', sourceHandle: 'out' }],
  };
  assert.deepEqual(
    variablesFor(after, withOutputs, 'inner', []).map((v) => v.path),
    ['trigger.recordId', 'steps.post.output.postId'],
  );
});

describe('JSON outline', () => {
  const cases: [string, unknown, string[]][] = [
    ['a sample flow', sampleFlow, []],
    ['not an object', [], ['The flow must be a JSON object']],
    [
      'no trigger type',
      { ...sampleFlow, trigger: { params: {} } },
      ['trigger: must be an object with a type and params'],
    ],
    [
      'a node without position',
      { ...sampleFlow, nodes: [{ id: 'a', type: 't', params: {} }] },
      ['nodes/0: position must be {x, y}'],
    ],
    [
      'a duplicate id',
      { ...sampleFlow, nodes: [sampleFlow.nodes[0], sampleFlow.nodes[0]] },
      ['nodes: the id "check" is used twice'],
    ],
    [
      'an edge without target',
      { ...sampleFlow, edges: [{ source: 'trigger' }] },
      ['edges/0: needs a source and a target'],
    ],
  ];
  for (const [name, value, expected] of cases)
    test(name, () => {
      assert.deepEqual(outlineErrors(value), expected);
    });
});

describe('simple conditions', () => {
  const cases: [unknown, string | null][] = [
    [{ '==': [{ var: 'record.lastName' }, 'Smith'] }, 'record.lastName equals Smith'],
    [{ '>': [{ var: 'record.score' }, 10] }, 'record.score is greater than 10'],
    [{ in: ['vip', { var: 'record.tags' }] }, 'record.tags contains vip'],
    [{ '!!': [{ var: 'record.email' }] }, 'record.email is not empty'],
    [{ userOnline: [{ var: 'record.assignedTo' }] }, 'record.assignedTo: User is online'],
    [
      { onList: ['6f1c0d52-8f5e-4a39-9d4e-3a1f2b6c7d8e'] },
      'Record is on list 6f1c0d52-8f5e-4a39-9d4e-3a1f2b6c7d8e',
    ],
    [{ onList: ['list', { var: 'vars.other' }] }, null],
    [
      { processStatus: ['6f1c0d52-8f5e-4a39-9d4e-3a1f2b6c7d8e', 's2', 'notCompleted'] },
      'A process stage is not completed',
    ],
    [
      { processStatus: ['6f1c0d52-8f5e-4a39-9d4e-3a1f2b6c7d8e', 's2', 'started', { var: 'vars.other' }] },
      null,
    ],
    [{ processStatus: ['6f1c0d52-8f5e-4a39-9d4e-3a1f2b6c7d8e', 's2', 'finished'] }, null],
    [{ userOnline: ['6f1c0d52-8f5e-4a39-9d4e-3a1f2b6c7d8e'] }, null],
    [{ and: [{ '==': [1, 1] }] }, null],
    [{ '==': [{ var: 'a' }, { var: 'b' }] }, null],
    [true, null],
  ];
  for (const [rule, expected] of cases)
    test(JSON.stringify(rule), () => {
      assert.equal(describeCondition(rule), expected);
      const simple = simpleOf(rule);
      if (simple) assert.deepEqual(ruleOf(simple), rule);
    });
});

describe('placing palette entries', () => {
  const at = { x: 5, y: 6 };
  test('a trigger replaces the trigger, keeps its links and the params its schema knows', () => {
    const withModule = new Map(catalog);
    const created = catalog.get('trigger.recordCreated');
    assert.ok(created);
    withModule.set('trigger.recordCreated', {
      ...created,
      params: { type: 'object', properties: { module: {} } },
    });
    const canvas = toCanvas({
      ...sampleFlow,
      trigger: { type: 'trigger.manual', params: { module: 'deals', other: 1 } },
    });
    const placed = placeNode(canvas, withModule, 'trigger.recordCreated', at);
    assert.deepEqual(placed?.nodes[0], {
      id: 'trigger',
      type: 'trigger',
      position: at,
      data: { nodeType: 'trigger.recordCreated', params: { module: 'deals' } },
      selected: true,
    });
    assert.equal(placed?.nodes.length, canvas.nodes.length);
    assert.deepEqual(placed?.edges, canvas.edges);
  });

  test('a step is a new selected node with its defaults; an unknown type places nothing', () => {
    const canvas = toCanvas(sampleFlow);
    const placed = placeNode(canvas, catalog, 'record.assign', at);
    assert.deepEqual(placed?.nodes.at(-1), {
      id: 'assign2',
      type: 'step',
      position: at,
      data: { nodeType: 'record.assign', params: { to: 'user' } },
      selected: true,
    });
    assert.equal(placed?.nodes.filter((n) => n.selected).length, 1);
    assert.equal(placeNode(canvas, catalog, 'no.such', at), null);
  });
});
