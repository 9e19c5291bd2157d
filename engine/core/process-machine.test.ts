import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  advanceProgress,
  currentStage,
  type PersistedProgress,
  type ProcessDefinition,
  type ProgressEvent,
  type ProgressStep,
  statusOf,
} from './process-machine.ts';

const definition: ProcessDefinition = {
  id: 'p',
  stages: [
    { id: 'a', name: 'Lead', requirePrevious: 'none', requireComment: false, roles: [] },
    { id: 'b', name: 'Qualified', requirePrevious: 'all', requireComment: true, roles: [] },
    {
      id: 'c',
      name: 'Proposal',
      requirePrevious: { stageId: 'a' },
      requireComment: false,
      roles: ['manager'],
    },
    { id: 'd', name: 'Won', requirePrevious: 'none', requireComment: false, roles: [] },
  ],
};
const settings = { backdateWindowSeconds: 3600, backdateRangeSeconds: 86_400, allowReassign: false };
const user = { id: 'u1', isAdmin: false, roleIds: ['rep'] };
const now = '2026-01-10T12:00:00.000Z';

function ev(
  type: ProgressEvent['type'],
  stageId: string,
  extra: Record<string, unknown> = {},
): ProgressEvent {
  return { type, stageId, actor: user, settings, now, ...extra } as ProgressEvent;
}

function step(stored: PersistedProgress | null, event: ProgressEvent, def = definition): ProgressStep {
  const result = advanceProgress(def, stored, event);
  if ('refused' in result) throw new Error(`refused: ${result.refused.message}`);
  // Stored as JSON, like the database keeps it.
  return { ...result, snapshot: JSON.parse(JSON.stringify(result.snapshot)) };
}

function run(events: ProgressEvent[], def = definition): PersistedProgress {
  let stored: PersistedProgress = { value: {}, context: { stages: {} } };
  for (const event of events) stored = step(stored, event, def).snapshot;
  return stored;
}

const stage = (index: number) => definition.stages[index] as (typeof definition.stages)[number];

describe('process machine', () => {
  test('completing a stage starts the next; reverting resets the later ones', () => {
    let stored = run([ev('stage.start', 'a'), ev('stage.complete', 'a')]);
    assert.equal(statusOf(stored.context, 'a'), 'completed');
    assert.equal(statusOf(stored.context, 'b'), 'started');
    assert.equal(currentStage(definition, stored.context), 'b');
    const reverted = step(stored, ev('stage.revert', 'a'));
    assert.deepEqual(reverted.changes, {
      a: { before: 'completed', after: 'started' },
      b: { before: 'started', after: 'notStarted' },
    });
    stored = reverted.snapshot;
    const undone = step(stored, ev('stage.revert', 'a'));
    assert.deepEqual(undone.snapshot.context.stages, {});
  });

  const refusals: Array<[string, ProgressEvent[], ProgressEvent, string]> = [
    ['state: complete before start', [], ev('stage.complete', 'a'), 'state'],
    ['state: start twice', [ev('stage.start', 'a')], ev('stage.start', 'a'), 'state'],
    ['state: revert not started', [], ev('stage.revert', 'a'), 'state'],
    ['prerequisite all', [], ev('stage.start', 'b'), 'prerequisite'],
    [
      'prerequisite named',
      [],
      ev('stage.start', 'c', { actor: { id: 'u1', isAdmin: false, roleIds: ['manager'] } }),
      'prerequisite',
    ],
    ['role', [], ev('stage.start', 'c', { actor: { id: 'u1', isAdmin: false, roleIds: [] } }), 'role'],
    ['comment', [ev('stage.start', 'a'), ev('stage.complete', 'a')], ev('stage.complete', 'b'), 'comment'],
    [
      'future date',
      [ev('stage.start', 'a')],
      ev('stage.complete', 'a', { completedAt: '2026-02-01T00:00:00Z' }),
      'backdateRange',
    ],
    [
      'backdate range',
      [ev('stage.start', 'a')],
      ev('stage.complete', 'a', { completedAt: '2026-01-01T00:00:00Z' }),
      'backdateRange',
    ],
    ['reassign', [ev('stage.start', 'a')], ev('stage.complete', 'a', { completedBy: 'u2' }), 'reassign'],
    [
      'backdate window',
      [ev('stage.start', 'a'), ev('stage.complete', 'a', { completedAt: '2026-01-10T10:00:00Z' })],
      ev('stage.revert', 'a'),
      'backdateWindow',
    ],
    ['no such stage', [], ev('stage.start', 'zz'), 'stage'],
  ];
  for (const [name, before, event, rule] of refusals) {
    test(`refuses: ${name}`, () => {
      const stored = run(before);
      const result = advanceProgress(definition, stored, event);
      assert.ok('refused' in result, 'expected a refusal');
      assert.equal(result.refused.rule, rule);
    });
  }

  test('admins pass roles, backdate range and window', () => {
    const admin = { id: 'root', isAdmin: true, roleIds: [] };
    const stored = run([
      ev('stage.start', 'a', { actor: admin }),
      ev('stage.complete', 'a', { actor: admin, completedAt: '2025-01-01T00:00:00Z', completedBy: 'u9' }),
    ]);
    assert.equal(stored.context.stages.a?.completedBy, 'u9');
    assert.ok(!('refused' in advanceProgress(definition, stored, ev('stage.revert', 'a', { actor: admin }))));
  });

  test('reorder, add and remove keep progress by stage id', () => {
    const stored = run([ev('stage.start', 'a'), ev('stage.complete', 'a')]);
    const reordered: ProcessDefinition = {
      id: 'p',
      stages: [
        stage(3),
        { ...stage(1), requirePrevious: 'none' },
        { ...stage(0) },
        { id: 'e', name: 'New', requirePrevious: 'none', requireComment: false, roles: [] },
      ],
    };
    assert.equal(currentStage(reordered, stored.context), 'b');
    const next = step(stored, ev('stage.complete', 'b', { comment: 'ok' }), reordered);
    assert.equal(statusOf(next.snapshot.context, 'b'), 'completed');
    // After b in the new order comes a, which is completed already: nothing else starts.
    assert.deepEqual(Object.keys(next.changes), ['b']);
    assert.equal(statusOf(next.snapshot.context, 'c'), 'notStarted');
  });
});
