import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compile } from './compile.ts';
import type { ConditionFacts } from './fact-operators.ts';
import { factRequest } from './facts.ts';
import { advanceRun, type Clock, type PersistedRun, startRun } from './stepper.ts';
import { makeFlow, notify, testCatalog } from './testing.ts';

const clock: Clock = { now: () => new Date('2025-03-14T10:00:00.000Z') };
const record = { id: 'r1', module: 'contacts', assignedTo: 'ada' };
const roundTrip = (snapshot: PersistedRun): PersistedRun => JSON.parse(JSON.stringify(snapshot));

/** notify → if the assignee is online → yes / no → (no) if on the vip list → vip */
const presenceFlow = compile(
  makeFlow(
    [
      ['hello', 'test.notify', notify('hello')],
      ['online', 'control.if', { condition: { userOnline: [{ var: 'record.assignedTo' }] } }],
      ['yes', 'test.notify', notify('online')],
      ['no', 'test.notify', notify('offline')],
      ['vip', 'control.if', { condition: { onList: ['vip'] } }],
      ['call', 'test.notify', notify('call')],
    ],
    [
      ['trigger', 'hello'],
      ['hello', 'online'],
      ['online', 'yes', 'true'],
      ['online', 'no', 'false'],
      ['no', 'vip'],
      ['vip', 'call', 'true'],
    ],
  ),
  testCatalog,
);

/** A flow whose first node is a switch on list membership. */
const listFlow = compile(
  makeFlow(
    [
      [
        'route',
        'control.switch',
        {
          cases: [
            { handle: 'gold', condition: { onList: ['gold'] } },
            { handle: 'partner', condition: { onList: ['silver', { var: 'record.partnerId' }] } },
          ],
        },
      ],
      ['gold', 'test.notify', notify('gold')],
      ['partner', 'test.notify', notify('partner')],
      ['other', 'test.notify', notify('other')],
    ],
    [
      ['trigger', 'route'],
      ['route', 'gold', 'gold'],
      ['route', 'partner', 'partner'],
      ['route', 'other', 'default'],
    ],
  ),
  testCatalog,
);

const nextNodes = (outcome: { actions: Array<{ nodeId: string }> }) => outcome.actions.map((a) => a.nodeId);

describe('conditions on facts in the stepper', () => {
  test('a compiled flow says what it reads from the database', () => {
    assert.deepEqual(presenceFlow.facts, { presence: true, lists: ['vip'] });
    assert.deepEqual(listFlow.facts, { presence: false, lists: ['gold', 'silver'] });
    const plain = compile(makeFlow([['a', 'test.notify', notify()]], [['trigger', 'a']]), testCatalog);
    assert.deepEqual(plain.facts, { presence: false, lists: [] });
  });

  const branches: Array<[facts: ConditionFacts, next: string[]]> = [
    [{ online: { ada: true } }, ['yes']],
    [{ online: { ada: false } }, ['no']],
  ];
  for (const [facts, next] of branches) {
    test(`the event's facts choose the branch: ${JSON.stringify(facts)} → ${next}`, () => {
      const started = startRun(presenceFlow, { record }, clock);
      const outcome = advanceRun(
        presenceFlow,
        roundTrip(started.snapshot),
        { type: 'step.done', nodeId: 'hello', facts },
        clock,
      );
      assert.equal(outcome.status, 'running');
      assert.deepEqual(nextNodes(outcome), next);
      assert.equal(outcome.missingFacts, undefined);
      // Facts answer one transition: the stored snapshot does not keep them.
      assert.equal('facts' in outcome.snapshot.context, false);
      // (The node is called `online` too, and its decision is kept: look for the facts' answer.)
      assert.equal(JSON.stringify(outcome.snapshot).includes(JSON.stringify(facts.online)), false);
      assert.equal(outcome.snapshot.context.decisions?.online?.handle, next[0] === 'yes' ? 'true' : 'false');
    });
  }

  test('without the facts it needs the run fails, naming what was missing, and keeps its snapshot', () => {
    const started = startRun(presenceFlow, { record }, clock);
    const outcome = advanceRun(
      presenceFlow,
      roundTrip(started.snapshot),
      { type: 'step.done', nodeId: 'hello' },
      clock,
    );
    assert.equal(outcome.status, 'failed');
    assert.deepEqual(outcome.missingFacts, { users: ['ada'], lists: {} });
    assert.match(String(outcome.failure?.error), /whether user ada is online/);
    assert.deepEqual(roundTrip(outcome.snapshot), roundTrip(started.snapshot));
    // Supplying them on the same event from the same snapshot goes on.
    const again = advanceRun(
      presenceFlow,
      roundTrip(started.snapshot),
      { type: 'step.done', nodeId: 'hello', facts: { online: { ada: true } } },
      clock,
    );
    assert.deepEqual(nextNodes(again), ['yes']);
  });

  test('facts of one event are not there for the next', () => {
    const started = startRun(presenceFlow, { record }, clock);
    // Facts answering more than this transition asks (the vip list) do not carry over.
    const facts = { online: { ada: false }, lists: { vip: { r1: true } } };
    const offline = advanceRun(
      presenceFlow,
      started.snapshot,
      { type: 'step.done', nodeId: 'hello', facts },
      clock,
    );
    assert.deepEqual(nextNodes(offline), ['no']);
    const bare = advanceRun(presenceFlow, offline.snapshot, { type: 'step.done', nodeId: 'no' }, clock);
    assert.equal(bare.status, 'failed');
    assert.deepEqual(bare.missingFacts, { users: [], lists: { vip: ['r1'] } });
    const answered = advanceRun(
      presenceFlow,
      roundTrip(offline.snapshot),
      { type: 'step.done', nodeId: 'no', facts: { lists: { vip: { r1: true } } } },
      clock,
    );
    assert.deepEqual(nextNodes(answered), ['call']);
  });

  const starts: Array<[facts: ConditionFacts, next: string[]]> = [
    [{ lists: { gold: { r1: true }, silver: { r2: true } } }, ['gold']],
    [{ lists: { gold: { r1: false }, silver: { r2: true } } }, ['partner']],
    [{ lists: { gold: { r1: false }, silver: { r2: false } } }, ['other']],
  ];
  for (const [facts, next] of starts) {
    test(`a run that starts on a switch takes its facts with the input → ${next}`, () => {
      const outcome = startRun(listFlow, { record: { ...record, partnerId: 'r2' }, facts }, clock);
      assert.equal(outcome.status, 'running');
      assert.deepEqual(nextNodes(outcome), next);
      assert.equal('facts' in outcome.snapshot.context, false);
    });
  }

  test('a start without the facts fails and says which are missing', () => {
    const outcome = startRun(listFlow, { record: { ...record, partnerId: 'r2' } }, clock);
    assert.equal(outcome.status, 'failed');
    assert.deepEqual(outcome.missingFacts, { users: [], lists: { gold: ['r1'] } });
  });

  test('factRequest over the compiled conditions asks what the start needs', () => {
    const input = { record: { ...record, partnerId: 'r2' }, now: clock.now().toISOString() };
    const request = factRequest(listFlow.conditions, input);
    assert.deepEqual(request, { users: [], lists: { gold: ['r1'], silver: ['r2'] } });
    const facts = {
      lists: Object.fromEntries(
        Object.entries(request.lists).map(([l, rs]) => [l, Object.fromEntries(rs.map((r) => [r, false]))]),
      ),
    };
    assert.deepEqual(nextNodes(startRun(listFlow, { ...input, facts }, clock)), ['other']);
  });
});
