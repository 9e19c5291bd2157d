import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Flow } from '../../schemas/flow.ts';
import { makeFlow, notify, testCatalog } from './testing.ts';
import { validateFlow } from './validate.ts';

const recordFields = ['firstName', 'age', 'email', 'account', 'closeDate', 'tags'];

const good = makeFlow(
  [
    ['check', 'control.if', { condition: { '>': [{ var: 'record.age' }, 18] } }],
    ['call', 'test.http', { url: 'https://example.com/{{record.email}}' }],
    ['tell', 'test.notify', notify('{{record.firstName}} got {{steps.call.output.status}}')],
    ['skip', 'test.notify', notify('{{record.account.name | default:"none"}}')],
  ],
  [
    ['trigger', 'check'],
    ['check', 'call', 'true'],
    ['check', 'skip', 'false'],
    ['call', 'tell'],
  ],
);

/** Each kind of problem once, as `code@node` (or `code@edge` for edges without a node). */
const problemsOf = (flow: unknown) => [
  ...new Set(
    validateFlow(flow, testCatalog, { recordFields }).map((p) => `${p.code}@${p.nodeId ?? p.edgeId ?? ''}`),
  ),
];

test('a sound flow has no problems', () => {
  assert.deepEqual(problemsOf(good), []);
});

describe('every problem is reported with its node and a stable code', () => {
  const cases: Array<[name: string, flow: unknown, expected: string[]]> = [
    ['not an object', 'flow', ['flow.schema@']],
    [
      'schema: extra property, bad id, missing position',
      {
        ...good,
        colour: 'red',
        nodes: [...good.nodes, { id: '9bad', type: 'test.notify', params: {}, position: { x: 0, y: 0 } }],
      },
      ['flow.schema@', 'flow.schema@9bad'],
    ],
    [
      'unknown trigger',
      { ...good, trigger: { type: 'trigger.nope', params: {} } },
      ['trigger.unknownType@trigger'],
    ],
    [
      'trigger params',
      { ...good, trigger: { type: 'trigger.recordUpdated', params: {} } },
      ['trigger.params@trigger'],
    ],
    [
      'a trigger among the nodes',
      makeFlow(
        [
          ['a', 'test.notify', notify()],
          ['t2', 'trigger.periodic', { cron: '* * * * *' }],
        ],
        [['trigger', 'a']],
      ),
      ['trigger.notAStep@t2'],
    ],
    [
      'trigger not connected',
      makeFlow([['a', 'test.notify', notify()]], []),
      ['trigger.unconnected@trigger', 'node.unreachable@a'],
    ],
    [
      'trigger leads to two nodes',
      makeFlow(
        [
          ['a', 'test.notify', notify()],
          ['b', 'test.notify', notify()],
        ],
        [
          ['trigger', 'a'],
          ['trigger', 'b'],
        ],
      ),
      ['trigger.multipleEdges@trigger', 'node.unreachable@b'],
    ],
    [
      'duplicate node ids',
      makeFlow(
        [
          ['a', 'test.notify', notify()],
          ['a', 'test.notify', notify()],
        ],
        [['trigger', 'a']],
      ),
      ['node.duplicateId@a'],
    ],
    ['unknown node type', makeFlow([['a', 'test.nope']], [['trigger', 'a']]), ['node.unknownType@a']],
    [
      'edges to and from missing nodes, and into the trigger',
      makeFlow(
        [['a', 'test.notify', notify()]],
        [
          ['trigger', 'a'],
          ['a', 'ghost'],
          ['ghost', 'a'],
          ['a', 'trigger'],
        ],
      ),
      ['edge.missingTarget@a-out-ghost', 'edge.missingSource@ghost-out-a', 'edge.intoTrigger@a-out-trigger'],
    ],
    [
      'unreachable node',
      makeFlow(
        [
          ['a', 'test.notify', notify()],
          ['island', 'test.notify', notify()],
        ],
        [['trigger', 'a']],
      ),
      ['node.unreachable@island'],
    ],
    [
      'if without its false branch',
      makeFlow(
        [
          ['check', 'control.if', { condition: true }],
          ['a', 'test.notify', notify()],
        ],
        [
          ['trigger', 'check'],
          ['check', 'a', 'true'],
        ],
      ),
      ['node.unconnectedHandle@check'],
    ],
    [
      'switch case not connected, unknown handle used',
      makeFlow(
        [
          [
            'route',
            'control.switch',
            {
              cases: [
                { handle: 'a', condition: true },
                { handle: 'b', condition: false },
              ],
            },
          ],
          ['x', 'test.notify', notify()],
        ],
        [
          ['trigger', 'route'],
          ['route', 'x', 'a'],
          ['route', 'x', 'c'],
        ],
      ),
      ['node.unconnectedHandle@route', 'edge.unknownHandle@route'],
    ],
    [
      'two edges from one action handle',
      makeFlow(
        [
          ['a', 'test.notify', notify()],
          ['b', 'test.notify', notify()],
          ['c', 'test.notify', notify()],
        ],
        [
          ['trigger', 'a'],
          ['a', 'b'],
          ['a', 'c'],
        ],
      ),
      ['edge.sharedHandle@a'],
    ],
    [
      'cycle not through a loop node',
      makeFlow(
        [
          ['a', 'test.notify', notify()],
          ['b', 'test.notify', notify()],
        ],
        [
          ['trigger', 'a'],
          ['a', 'b'],
          ['b', 'a'],
        ],
      ),
      ['structure.cycle@a'],
    ],
    [
      'parallel branches meeting outside a join',
      makeFlow(
        [
          ['split', 'control.parallel'],
          ['l', 'test.notify', notify()],
          ['r', 'test.notify', notify()],
          ['meet', 'test.notify', notify()],
        ],
        [
          ['trigger', 'split'],
          ['split', 'l'],
          ['split', 'r'],
          ['l', 'meet'],
          ['r', 'meet'],
        ],
      ),
      ['structure.crossesScope@meet'],
    ],
    [
      'params invalid for the node type',
      makeFlow(
        [
          ['a', 'test.http', { url: 'not a url' }],
          ['w', 'control.wait', { duration: { amount: 1, unit: 'fortnights' } }],
        ],
        [
          ['trigger', 'a'],
          ['a', 'w'],
        ],
      ),
      ['node.params@a', 'node.params@w'],
    ],
    [
      'forEach cap above the limit',
      makeFlow(
        [
          ['each', 'control.forEach', { items: '{{record.tags}}', cap: 1_000_000 }],
          ['a', 'test.notify', notify()],
        ],
        [
          ['trigger', 'each'],
          ['each', 'a', 'each'],
        ],
      ),
      ['node.params@each'],
    ],
    [
      'unsafe or unknown condition',
      makeFlow(
        [
          [
            'check',
            'control.if',
            { condition: { or: [{ method: ['x', 'y'] }, { var: 'record.__proto__' }] } },
          ],
          ['a', 'test.notify', notify()],
        ],
        [
          ['trigger', 'check'],
          ['check', 'a', 'true'],
          ['check', 'a', 'false'],
        ],
      ),
      ['node.condition@check', 'node.unresolvedVariable@check'],
    ],
    [
      'bad template',
      makeFlow([['a', 'test.notify', notify('{{ record.firstName | shout }}')]], [['trigger', 'a']]),
      ['node.template@a'],
    ],
  ];
  for (const [name, flow, expected] of cases) {
    test(name, () => {
      assert.deepEqual(problemsOf(flow), expected);
    });
  }
});

describe('variables must resolve', () => {
  const withTell = (text: string, extra: Partial<Flow> = {}): Flow => ({
    ...good,
    nodes: good.nodes.map((n) => (n.id === 'tell' ? { ...n, params: { text } } : n)),
    ...extra,
  });
  const cases: Array<[template: string, ok: boolean]> = [
    ['{{record.firstName}}', true],
    ['{{record.account.name}}', true],
    ['{{record.nickname}}', false],
    ['{{steps.call.output.status}}', true],
    ['{{steps.call.output.body.anything.below}}', true],
    ['{{steps.call.output.statsu}}', false],
    ['{{steps.call.error.message}}', true],
    ['{{steps.call.result}}', false],
    ['{{steps.skip.output}}', false],
    ['{{steps.check.output}}', true],
    ['{{steps.nobody.output}}', false],
    ['{{trigger.source}}', true],
    ['{{trigger.sauce}}', false],
    ['{{vars.anything}} {{user.email}} {{now}}', true],
  ];
  for (const [template, ok] of cases) {
    test(`${template} ${ok ? 'resolves' : 'does not resolve'}`, () => {
      assert.deepEqual(problemsOf(withTell(template)), ok ? [] : ['node.unresolvedVariable@tell']);
    });
  }

  test('record fields are not checked after a step switches to another record', () => {
    const flow = makeFlow(
      [
        ['hop', 'test.switchRelated', { link: 'account' }],
        ['a', 'test.notify', notify('{{record.industry}}')],
      ],
      [
        ['trigger', 'hop'],
        ['hop', 'a'],
      ],
    );
    assert.deepEqual(problemsOf(flow), []);
  });

  test('a trigger without a record cannot be read as one', () => {
    const flow = makeFlow([['a', 'test.notify', notify('{{record.firstName}}')]], [['trigger', 'a']], {
      type: 'trigger.periodic',
      params: { cron: '0 * * * *' },
    });
    assert.deepEqual(problemsOf(flow), ['node.unresolvedVariable@a']);
  });

  test('outputs of parallel branches are available only after the join', () => {
    const flow = makeFlow(
      [
        ['split', 'control.parallel'],
        ['l', 'test.http', { url: 'https://a.example' }],
        ['r', 'test.notify', notify('{{steps.l.output.status}}')],
        ['join', 'control.join'],
        ['after', 'test.notify', notify('{{steps.l.output.status}}')],
      ],
      [
        ['trigger', 'split'],
        ['split', 'l'],
        ['split', 'r'],
        ['l', 'join'],
        ['r', 'join'],
        ['join', 'after'],
      ],
    );
    assert.deepEqual(problemsOf(flow), ['node.unresolvedVariable@r']);
  });

  test('trigger conditions are checked too', () => {
    const flow = {
      ...good,
      trigger: {
        type: 'trigger.recordUpdated',
        params: { module: 'Contacts', conditions: { changed: ['x'] } },
      },
    };
    assert.deepEqual(problemsOf(flow), []);
    const bad = {
      ...good,
      trigger: {
        type: 'trigger.recordUpdated',
        params: { module: 'Contacts', conditions: { '==': [{ var: 'record.nickname' }, 1] } },
      },
    };
    assert.deepEqual(problemsOf(bad), ['node.unresolvedVariable@trigger']);
  });
});
