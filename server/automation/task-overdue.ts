import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { type TaskOverdueParams, thresholdSeconds } from '../../engine/nodes/triggers/task-overdue.ts';
import type { Db } from '../db/index.ts';
import { emitEvent } from '../platform/events.ts';
import { recordsDb, tableOf } from '../studio/fields.ts';

/**
 * "Task overdue by a duration": time passing writes no event, so a pg-boss cron job scans
 * every minute. For each active flow with this trigger, an incomplete task whose due date
 * plus the flow's threshold has passed gets one `task.overdue` event addressed to the flow,
 * and a mark (flow, task, threshold) in the same transaction: the scan runs any number of
 * times, on any number of workers (an advisory lock makes concurrent scans take turns), and
 * each task crosses each threshold once. Republishing with another threshold is a new mark;
 * a task completed and reopened does not fire again for the same threshold.
 */
export const overdueQueue = 'weft.trigger.task-overdue';
/** Tasks handled per flow and pass; the next minute takes the rest. */
const batch = 500;

export async function scanOverdueTasks(db: Db, now: Date = new Date()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${overdueQueue}))`.execute(trx);
    const flows = await trx
      .selectFrom('flows')
      .innerJoin('flowVersions', (join) =>
        join
          .onRef('flowVersions.flowId', '=', 'flows.id')
          .onRef('flowVersions.version', '=', 'flows.publishedVersion'),
      )
      .select(['flows.id', 'flowVersions.definition'])
      .where('flows.active', '=', true)
      .where('flows.triggerType', '=', 'trigger.taskOverdue')
      .execute();
    let emitted = 0;
    for (const flow of flows) {
      const threshold = thresholdSeconds(flow.definition.trigger.params as TaskOverdueParams);
      const tasks = await recordsDb(trx)
        .selectFrom(`${tableOf('tasks')} as t`)
        .select(['t.id', 't.due_date'])
        .where('t.complete', 'is not', true)
        .where('t.due_date', 'is not', null)
        .where(sql<boolean>`t.due_date + make_interval(secs => ${threshold}) <= ${now}`)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('task_overdue_marks as m')
                .select(sql`1`.as('one'))
                .whereRef('m.task_id', '=', 't.id')
                .where('m.flow_id', '=', flow.id)
                .where('m.threshold_seconds', '=', threshold),
            ),
          ),
        )
        .orderBy('t.due_date')
        .limit(batch)
        .execute();
      for (const task of tasks) {
        const eventId = await emitEvent(trx, {
          type: 'task.overdue',
          module: 'tasks',
          recordId: String(task.id),
          payload: { flowId: flow.id, overdueBySeconds: threshold, dueDate: task.due_date },
          actorId: null,
        });
        await trx
          .insertInto('taskOverdueMarks')
          .values({ flowId: flow.id, taskId: String(task.id), thresholdSeconds: threshold, eventId })
          .execute();
        emitted += 1;
      }
    }
    return emitted;
  });
}

/** Every minute, on whichever worker takes the job. */
export async function workOverdueScan(db: Db, boss: PgBoss): Promise<void> {
  await boss.createQueue(overdueQueue);
  await boss.schedule(overdueQueue, '* * * * *', null, { tz: 'UTC' });
  await boss.work(overdueQueue, async () => {
    await scanOverdueTasks(db);
  });
}
