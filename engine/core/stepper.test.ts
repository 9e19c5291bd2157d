import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Flow } from '../../schemas/flow.ts';
import { type CompiledFlow, compile } from './compile.ts';
import {
  advanceRun,
  type Clock,
  type RunAction,
  type RunEvent,
  type StepOutcome,
  startRun,
} from './stepper.ts';
import { makeFlow, notify, testCatalog } from './testing.ts';

function clockAt(iso: string): Clock & { advance(ms: number): void } {
  let t = new Date(iso).getTime();
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

type Responder = (action: RunAction) => RunEvent;
const succeed: Responder = (action) =>
  action.type === 'scheduleWait'
    ? { type: 'wait.elapsed', nodeId: action.nodeId }
    : { type: 'step.done', nodeId: action.nodeId, output: { ok: true } };

/**
 * Runs a flow to the end, performing actions one at a time in order (as a queue would),
 * optionally persisting and restoring the snapshot between every step.
 */
function runToEnd(
  compiled: CompiledFlow,
  input: Record<string, unknown>,
  options: { respond?: Responder; persist?: boolean } = {},
) {
  const clock = clockAt('2025-03-14T10:00:00.000Z');
  const respond = options.respond ?? succeed;
  let outcome: StepOutcome = startRun(compiled, input, clock);
  const queue = [...outcome.actions];
  const performed: string[] = [];
  while (queue.length > 0) {
    const action = queue.shift() as RunAction;
    performed.push(`${action.nodeId}#${action.iteration}`);
    clock.advance(1000);
    const snapshot = options.persist ? JSON.parse(JSON.stringify(outcome.snapshot)) : outcome.snapshot;
    outcome = advanceRun(compiled, snapshot, respond(action), clock);
    queue.push(...outcome.actions);
  }
  return { outcome, performed };
}

const ifFlow = makeFlow(
  [
    ['check', 'control.if', { condition: { '>=': [{ var: 'record.age' }, 18] } }],
    ['adult', 'test.notify', notify('adult {{record.name}}')],
    ['minor', 'test.notify', notify('minor')],
    ['after', 'test.update', { fields: { seen: true } }],
  ],
  [
    ['trigger', 'check'],
    ['check', 'adult', 'true'],
    ['check', 'minor', 'false'],
    ['adult', 'after'],
    ['minor', 'after'],
  ],
);

describe('stepper', () => {
  test('a linear flow asks for one step at a time and finishes', () => {
    const compiled = compile(
      makeFlow(
        [
          ['a', 'test.notify', notify('Hello {{record.name}}')],
          ['b', 'test.update', { fields: { n: '{{steps.a.output.ok}}' } }],
        ],
        [
          ['trigger', 'a'],
          ['a', 'b'],
        ],
      ),
      testCatalog,
    );
    const clock = clockAt('2025-03-14T10:00:00.000Z');
    const first = startRun(compiled, { record: { name: 'Ada' } }, clock);
    assert.equal(first.status, 'running');
    assert.deepEqual(first.actions, [
      { type: 'runStep', nodeId: 'a', nodeType: 'test.notify', iteration: 1, params: { text: 'Hello Ada' } },
    ]);
    const second = advanceRun(
      compiled,
      first.snapshot,
      { type: 'step.done', nodeId: 'a', output: { ok: 7 } },
      clock,
    );
    assert.deepEqual(second.actions, [
      { type: 'runStep', nodeId: 'b', nodeType: 'test.update', iteration: 1, params: { fields: { n: 7 } } },
    ]);
    const last = advanceRun(compiled, second.snapshot, { type: 'step.done', nodeId: 'b', output: {} }, clock);
    assert.equal(last.status, 'done');
    assert.deepEqual(last.actions, []);
    assert.deepEqual(last.output, { vars: {}, steps: { a: { output: { ok: 7 } }, b: { output: {} } } });
  });

  test('an event for a step that is not running is not accepted and changes nothing', () => {
    const compiled = compile(ifFlow, testCatalog);
    const clock = clockAt('2025-03-14T10:00:00.000Z');
    const started = startRun(compiled, { record: { age: 30 } }, clock);
    const stray = advanceRun(compiled, started.snapshot, { type: 'step.done', nodeId: 'minor' }, clock);
    assert.equal(stray.accepted, false);
    assert.deepEqual(stray.actions, []);
    assert.deepEqual(stray.snapshot, started.snapshot);
    const once = advanceRun(compiled, started.snapshot, { type: 'step.done', nodeId: 'adult' }, clock);
    const twice = advanceRun(compiled, once.snapshot, { type: 'step.done', nodeId: 'adult' }, clock);
    assert.equal(once.accepted, true);
    assert.equal(twice.accepted, false);
  });

  test('if/else picks the branch its condition selects', () => {
    const compiled = compile(ifFlow, testCatalog);
    const adult = runToEnd(compiled, { record: { age: 30, name: 'Ada' } });
    const minor = runToEnd(compiled, { record: { age: 12 } });
    assert.deepEqual(adult.performed, ['adult#1', 'after#1']);
    assert.deepEqual(minor.performed, ['minor#1', 'after#1']);
    assert.equal(adult.outcome.status, 'done');
  });

  describe('a run persisted and restored between every step finishes like one that never stopped', () => {
    const flows: Array<[name: string, flow: Flow, input: Record<string, unknown>]> = [
      ['if/else', ifFlow, { record: { age: 30, name: 'Ada' } }],
      ['parallel', parallelFlow(), { record: {} }],
      ['forEach', forEachFlow(10), { record: { tags: ['a', 'b', 'c'] } }],
      ['wait', waitFlow({ duration: { amount: 2, unit: 'days' } }), { record: {} }],
    ];
    for (const [name, flow, input] of flows) {
      test(name, () => {
        const compiled = compile(flow, testCatalog);
        const straight = runToEnd(compiled, input);
        const restored = runToEnd(compiled, input, { persist: true });
        assert.equal(straight.outcome.status, 'done');
        assert.deepEqual(restored.performed, straight.performed);
        assert.deepEqual(restored.outcome, straight.outcome);
      });
    }
  });

  test('switch takes the first matching case, else default', () => {
    const compiled = compile(
      makeFlow(
        [
          [
            'route',
            'control.switch',
            {
              cases: [
                { handle: 'big', condition: { '>': [{ var: 'record.amount' }, 1000] } },
                { handle: 'mid', condition: { '>': [{ var: 'record.amount' }, 100] } },
              ],
            },
          ],
          ['big', 'test.notify', notify()],
          ['mid', 'test.notify', notify()],
          ['small', 'test.notify', notify()],
        ],
        [
          ['trigger', 'route'],
          ['route', 'big', 'big'],
          ['route', 'mid', 'mid'],
          ['route', 'small', 'default'],
        ],
      ),
      testCatalog,
    );
    const cases: Array<[amount: number, path: string[]]> = [
      [5000, ['big#1']],
      [500, ['mid#1']],
      [5, ['small#1']],
    ];
    for (const [amount, path] of cases) {
      assert.deepEqual(runToEnd(compiled, { record: { amount } }).performed, path, `amount ${amount}`);
    }
  });

  test('a parallel split starts every branch; the join waits for all of them', () => {
    const compiled = compile(parallelFlow(), testCatalog);
    const clock = clockAt('2025-03-14T10:00:00.000Z');
    const started = startRun(compiled, { record: {} }, clock);
    assert.deepEqual(
      started.actions.map((a) => a.nodeId),
      ['left', 'right1'],
    );
    const leftDone = advanceRun(compiled, started.snapshot, { type: 'step.done', nodeId: 'left' }, clock);
    assert.deepEqual(leftDone.actions, []);
    assert.equal(leftDone.status, 'running');
    const right1 = advanceRun(compiled, leftDone.snapshot, { type: 'step.done', nodeId: 'right1' }, clock);
    assert.deepEqual(
      right1.actions.map((a) => a.nodeId),
      ['right2'],
    );
    const joined = advanceRun(compiled, right1.snapshot, { type: 'step.done', nodeId: 'right2' }, clock);
    assert.deepEqual(
      joined.actions.map((a) => a.nodeId),
      ['after'],
    );
    const done = advanceRun(compiled, joined.snapshot, { type: 'step.done', nodeId: 'after' }, clock);
    assert.equal(done.status, 'done');
  });

  test('control.end in one parallel branch ends the whole run, and asks for no step it left', () => {
    const compiled = compile(
      makeFlow(
        [
          ['split', 'control.parallel'],
          ['slow', 'test.notify', notify()],
          ['stop', 'control.end'],
        ],
        [
          ['trigger', 'split'],
          ['split', 'slow'],
          ['split', 'stop'],
        ],
      ),
      testCatalog,
    );
    const started = startRun(compiled, {}, clockAt('2025-03-14T10:00:00.000Z'));
    assert.equal(started.status, 'done');
    assert.deepEqual(started.actions, []);
  });

  test('forEach runs its body once per item up to the cap, then continues with done', () => {
    const compiled = compile(forEachFlow(2), testCatalog);
    const { outcome, performed } = runToEnd(compiled, { record: { tags: ['x', 'y', 'z'] } });
    assert.deepEqual(performed, ['body#1', 'body#2', 'after#1']);
    assert.deepEqual(outcome.snapshot.context.steps.each?.output, { count: 2, truncated: true });
    const seen: unknown[] = [];
    runToEnd(
      compiled,
      { record: { tags: ['x', 'y', 'z'] } },
      {
        respond: (action) => {
          if (action.type === 'runStep' && action.nodeId === 'body') seen.push(action.params);
          return succeed(action);
        },
      },
    );
    assert.deepEqual(seen, [{ text: 'tag x' }, { text: 'tag y' }]);
  });

  test('forEach over an empty list goes straight to done', () => {
    const compiled = compile(forEachFlow(5), testCatalog);
    assert.deepEqual(runToEnd(compiled, { record: { tags: [] } }).performed, ['after#1']);
  });

  test('a failed step follows its error edge, or fails the run without one', () => {
    const flow = makeFlow(
      [
        ['call', 'test.http', { url: 'https://example.com' }],
        ['ok', 'test.notify', notify()],
        ['recover', 'test.notify', notify('failed: {{steps.call.error.message}}')],
        ['unguarded', 'test.update', { fields: {} }],
      ],
      [
        ['trigger', 'call'],
        ['call', 'ok'],
        ['call', 'recover', 'error'],
        ['recover', 'unguarded'],
      ],
    );
    const compiled = compile(flow, testCatalog);
    const failing: Responder = (action) =>
      action.type === 'runStep' && action.nodeId !== 'recover'
        ? { type: 'step.failed', nodeId: action.nodeId, error: { message: `${action.nodeId} broke` } }
        : succeed(action);
    const seen: unknown[] = [];
    const { outcome, performed } = runToEnd(
      compiled,
      {},
      {
        respond: (action) => {
          if (action.type === 'runStep') seen.push(action.params);
          return failing(action);
        },
      },
    );
    assert.deepEqual(performed, ['call#1', 'recover#1', 'unguarded#1']);
    assert.deepEqual(seen[1], { text: 'failed: call broke' });
    assert.equal(outcome.status, 'failed');
    assert.deepEqual(outcome.failure, { nodeId: 'unguarded', error: { message: 'unguarded broke' } });
  });

  test('a wait schedules itself at the injected clock plus its duration', () => {
    const cases: Array<[params: Record<string, unknown>, record: Record<string, unknown>, until: string]> = [
      [{ duration: { amount: 2, unit: 'days' } }, {}, '2025-03-16T10:00:00.000Z'],
      [{ duration: { amount: 90, unit: 'minutes' } }, {}, '2025-03-14T11:30:00.000Z'],
      [{ duration: { amount: 1, unit: 'months' } }, {}, '2025-04-14T10:00:00.000Z'],
      [{ until: '{{record.closeDate}}' }, { closeDate: '2025-06-01T08:00:00Z' }, '2025-06-01T08:00:00.000Z'],
      [
        { until: '{{record.closeDate}}', offset: { amount: -3, unit: 'days' } },
        { closeDate: '2025-06-01' },
        '2025-05-29T00:00:00.000Z',
      ],
    ];
    for (const [params, record, until] of cases) {
      const compiled = compile(waitFlow(params), testCatalog);
      const started = startRun(compiled, { record }, clockAt('2025-03-14T10:00:00.000Z'));
      assert.equal(started.status, 'waiting');
      assert.deepEqual(started.actions, [{ type: 'scheduleWait', nodeId: 'pause', iteration: 1, until }]);
    }
  });

  test('a wait whose date does not render fails the run, saying why', () => {
    const compiled = compile(waitFlow({ until: '{{record.closeDate}}' }), testCatalog);
    const started = startRun(
      compiled,
      { record: { closeDate: 'soon' } },
      clockAt('2025-03-14T10:00:00.000Z'),
    );
    assert.equal(started.status, 'failed');
    assert.deepEqual(started.actions, []);
    assert.deepEqual(started.failure, {
      nodeId: 'pause',
      error: { code: 'wait.invalidDate', message: 'the wait’s date did not render to a valid date' },
    });
  });

  test('conditions see records and variables that earlier steps changed', () => {
    const clock = clockAt('2025-03-14T10:00:00.000Z');
    const flow = compile(
      makeFlow(
        [
          ['switch', 'test.switchRelated', { link: 'account' }],
          ['check', 'control.if', { condition: { '==': [{ var: 'record.type' }, 'Account'] } }],
          ['yes', 'test.notify', notify('{{vars.note}} {{record.name}}')],
        ],
        [
          ['trigger', 'switch'],
          ['switch', 'check'],
          ['check', 'yes', 'true'],
          ['check', 'yes', 'false'],
        ],
      ),
      testCatalog,
    );
    const started = startRun(flow, { record: { type: 'Contact' } }, clock);
    const next = advanceRun(
      flow,
      started.snapshot,
      {
        type: 'step.done',
        nodeId: 'switch',
        record: { type: 'Account', name: 'Acme' },
        vars: { note: 'for' },
      },
      clock,
    );
    assert.deepEqual(next.actions[0], {
      type: 'runStep',
      nodeId: 'yes',
      nodeType: 'test.notify',
      iteration: 1,
      params: { text: 'for Acme' },
    });
  });

  test('callFlow asks the runtime to start the called flow and continues with its result', () => {
    const compiled = compile(
      makeFlow(
        [
          ['sub', 'control.callFlow', { flowId: 'flow-7', input: { who: '{{record.name}}' } }],
          ['use', 'test.notify', notify('{{steps.sub.output.answer}}')],
        ],
        [
          ['trigger', 'sub'],
          ['sub', 'use'],
        ],
      ),
      testCatalog,
    );
    const clock = clockAt('2025-03-14T10:00:00.000Z');
    const started = startRun(compiled, { record: { name: 'Ada' } }, clock);
    assert.deepEqual(started.actions, [
      { type: 'callFlow', nodeId: 'sub', iteration: 1, flowId: 'flow-7', input: { who: 'Ada' } },
    ]);
    const next = advanceRun(
      compiled,
      started.snapshot,
      { type: 'step.done', nodeId: 'sub', output: { answer: 42 } },
      clock,
    );
    const [use] = next.actions;
    assert.equal(use?.type, 'runStep');
    assert.deepEqual(use.type === 'runStep' && use.params, { text: 42 });
  });

  test('time conditions use the clock the event arrived at, in the flow’s time zone', () => {
    const flow = { ...ifFlow, settings: { timeZone: 'Europe/Paris' } };
    flow.nodes = flow.nodes.map((n) =>
      n.id === 'check' ? { ...n, params: { condition: { '==': [{ timeOfDay: [] }, '11:00'] } } } : n,
    );
    const compiled = compile(flow, testCatalog);
    const at = (iso: string) => startRun(compiled, {}, clockAt(iso)).actions[0]?.nodeId;
    assert.equal(at('2025-03-14T10:00:00.000Z'), 'adult');
    assert.equal(at('2025-03-14T10:01:00.000Z'), 'minor');
  });
});

function parallelFlow(): Flow {
  return makeFlow(
    [
      ['split', 'control.parallel'],
      ['left', 'test.notify', notify()],
      ['right1', 'test.notify', notify()],
      ['right2', 'test.notify', notify()],
      ['join', 'control.join'],
      ['after', 'test.notify', notify()],
    ],
    [
      ['trigger', 'split'],
      ['split', 'left'],
      ['split', 'right1'],
      ['left', 'join'],
      ['right1', 'right2'],
      ['right2', 'join'],
      ['join', 'after'],
    ],
  );
}

function forEachFlow(cap: number): Flow {
  return makeFlow(
    [
      ['each', 'control.forEach', { items: '{{record.tags}}', cap, as: 'tag' }],
      ['body', 'test.notify', notify('tag {{vars.tag}}')],
      ['after', 'test.notify', notify()],
    ],
    [
      ['trigger', 'each'],
      ['each', 'body', 'each'],
      ['body', 'each'],
      ['each', 'after', 'done'],
    ],
  );
}

function waitFlow(params: Record<string, unknown>): Flow {
  return makeFlow(
    [
      ['pause', 'control.wait', params],
      ['after', 'test.notify', notify()],
    ],
    [
      ['trigger', 'pause'],
      ['pause', 'after'],
    ],
  );
}
