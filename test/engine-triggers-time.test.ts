import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PgBoss } from 'pg-boss';
import {
  onPeriodicTick,
  periodicQueue,
  slotOf,
  syncAllPeriodicSchedules,
} from '../server/automation/periodic.ts';
import { scanOverdueTasks } from '../server/automation/task-overdue.ts';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';

const { app, db, admin, publish, create } = await engineTestApp();
const boss = app.boss as PgBoss;

async function runsOf(flowId: string) {
  await eventually(async () => {
    const pending = await db.selectFrom('events').select('id').where('dispatchedAt', 'is', null).execute();
    return pending.length === 0;
  }, 'every event to be dispatched');
  return db.selectFrom('flowRuns').select(['id', 'input', 'recordId']).where('flowId', '=', flowId).execute();
}

const step: Parameters<typeof straightFlow>[2] = [['post', 'feed.post', { text: 'tick' }]];

test('a periodic slot is read in the schedule’s time zone', () => {
  const paris = { cron: '0 9 * * *', timeZone: 'Europe/Paris' };
  // 09:00 in Paris in July is 07:00 UTC; a job created 20 s late is still for that slot.
  assert.equal(slotOf(paris, new Date('2026-07-01T07:00:20Z')), '2026-07-01T07:00:00.000Z');
  assert.equal(slotOf(paris, new Date('2026-07-01T07:00:00Z')), '2026-07-01T07:00:00.000Z');
  assert.equal(slotOf(paris, new Date('2026-12-01T08:30:00Z')), '2026-12-01T08:00:00.000Z');
  assert.equal(
    slotOf({ cron: '*/15 * * * *' }, new Date('2026-07-01T10:44:59Z')),
    '2026-07-01T10:30:00.000Z',
  );
});

test('a periodic flow: scheduled when active, one event and one run per slot however many ticks, unscheduled when deactivated', async () => {
  const flowId = await publish(
    straightFlow(
      'Every five minutes',
      { type: 'trigger.periodic', params: { cron: '*/5 * * * *', timeZone: 'Europe/Paris' } },
      step,
    ),
  );
  const schedule = await boss.getSchedule(periodicQueue, flowId);
  assert.equal(schedule?.cron, '*/5 * * * *');
  assert.equal(schedule?.timezone, 'Europe/Paris');

  const createdOn = new Date('2026-07-01T10:05:02Z');
  // Two workers handling the same slot at once (a doubled job, a redelivery).
  const ticks = await Promise.all([
    onPeriodicTick(db, flowId, createdOn),
    onPeriodicTick(db, flowId, createdOn),
  ]);
  assert.equal(ticks.filter((id) => id !== null).length, 1, JSON.stringify(ticks));
  assert.equal(
    await onPeriodicTick(db, flowId, new Date('2026-07-01T10:06:00Z')),
    null,
    'same slot, later job',
  );
  const runs = await runsOf(flowId);
  assert.equal(runs.length, 1);
  assert.equal(
    (runs[0]?.input as { trigger?: { slot?: string } } | undefined)?.trigger?.slot,
    '2026-07-01T10:05:00.000Z',
  );
  assert.notEqual(await onPeriodicTick(db, flowId, new Date('2026-07-01T10:10:00Z')), null, 'the next slot');
  assert.equal((await runsOf(flowId)).length, 2);

  assert.equal((await admin.request('POST', `/api/flows/${flowId}/deactivate`)).statusCode, 200);
  assert.equal(await boss.getSchedule(periodicQueue, flowId), null);
  assert.equal(
    await onPeriodicTick(db, flowId, new Date('2026-07-01T10:15:00Z')),
    null,
    'a stale job fires nothing',
  );
  assert.equal((await runsOf(flowId)).length, 2);

  assert.equal((await admin.request('POST', `/api/flows/${flowId}/activate`)).statusCode, 200);
  assert.ok(await boss.getSchedule(periodicQueue, flowId));
  assert.equal((await admin.request('DELETE', `/api/flows/${flowId}`)).statusCode, 204);
  assert.equal(await boss.getSchedule(periodicQueue, flowId), null);
});

test('jobs on the schedule queue become ticks: two jobs for one slot start one run', async () => {
  const flowId = await publish(
    straightFlow('New year', { type: 'trigger.periodic', params: { cron: '0 0 1 1 *' } }, step),
  );
  // What pg-boss sends for an occurrence, twice: several instances, or a redelivery.
  await Promise.all([boss.send(periodicQueue, { flowId }), boss.send(periodicQueue, { flowId })]);
  await eventually(async () => {
    const jobs = await boss.findJobs(periodicQueue, { data: { flowId } });
    return jobs.length === 2 && jobs.every((job) => job.state === 'completed');
  }, 'both tick jobs to be handled');
  const runs = await runsOf(flowId);
  assert.equal(runs.length, 1);
  const slot = (runs[0]?.input as { trigger?: { slot?: string } } | undefined)?.trigger?.slot;
  assert.match(String(slot), /^\d{4}-01-01T00:00:00\.000Z$/);
});

test('at start, schedules are made to match the active periodic flows', async () => {
  const flowId = await publish(
    straightFlow('Nightly', { type: 'trigger.periodic', params: { cron: '0 2 * * *' } }, step),
  );
  const orphan = '00000000-0000-4000-8000-000000000001';
  await boss.schedule(periodicQueue, '* * * * *', { flowId: orphan }, { key: orphan });
  await boss.unschedule(periodicQueue, flowId); // as if the process died before scheduling it
  await syncAllPeriodicSchedules(db, boss);
  assert.equal(await boss.getSchedule(periodicQueue, orphan), null);
  assert.equal((await boss.getSchedule(periodicQueue, flowId))?.cron, '0 2 * * *');
});

test('a periodic flow with a bad time zone or cron is refused at publishing', async () => {
  for (const [params, path] of [
    [{ cron: '0 9 * * *', timeZone: 'Mars/Olympus' }, '/timeZone'],
    [{ cron: '0 25 * * *' }, '/cron'],
  ] as const) {
    const flow = straightFlow('Bad schedule', { type: 'trigger.periodic', params }, step);
    const problems = (await admin.request('POST', '/api/flows/validate', flow)).json().problems as {
      nodeId?: string;
      path?: string;
    }[];
    assert.ok(
      problems.some((problem) => problem.nodeId === 'trigger' && problem.path === path),
      JSON.stringify(problems),
    );
  }
});

test('task overdue: once per (task, flow threshold), incomplete tasks only, concurrent scans included', async () => {
  const flowId = await publish(
    straightFlow(
      'Overdue by a day',
      { type: 'trigger.taskOverdue', params: { overdueBy: { amount: 1, unit: 'days' } } },
      step,
    ),
  );
  const hours = (n: number) => new Date(Date.now() - n * 3_600_000).toISOString();
  const late = await create('tasks', { subject: 'Late', dueDate: hours(48) });
  await create('tasks', { subject: 'Late but done', dueDate: hours(48), complete: true });
  const recent = await create('tasks', { subject: 'Due an hour ago', dueDate: hours(1) });
  await create('tasks', { subject: 'No due date' });

  const counts = await Promise.all([scanOverdueTasks(db), scanOverdueTasks(db)]);
  assert.equal(counts[0] + counts[1], 1, JSON.stringify(counts));
  assert.equal(await scanOverdueTasks(db), 0, 'scanning again emits nothing');
  const runs = await runsOf(flowId);
  assert.deepEqual(
    runs.map((run) => run.recordId),
    [late.id],
  );
  assert.equal((runs[0]?.input as { record?: { subject?: string } } | undefined)?.record?.subject, 'Late');

  // A day later the other task crosses the threshold too.
  assert.equal(await scanOverdueTasks(db, new Date(Date.now() + 24 * 3_600_000)), 1);
  assert.deepEqual((await runsOf(flowId)).map((run) => run.recordId).sort(), [late.id, recent.id].sort());

  // An inactive flow's threshold is not scanned.
  assert.equal((await admin.request('POST', `/api/flows/${flowId}/deactivate`)).statusCode, 200);
  await create('tasks', { subject: 'Late again', dueDate: hours(72) });
  assert.equal(await scanOverdueTasks(db), 0);
});
