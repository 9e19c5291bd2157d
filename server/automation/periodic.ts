import { CronExpressionParser } from 'cron-parser';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { FlowProblem } from '../../engine/core/validate.ts';
import type { PeriodicParams } from '../../engine/nodes/triggers/periodic.ts';
import type { Flow } from '../../schemas/flow.ts';
import type { Db } from '../db/index.ts';

/**
 * Periodic triggers (X2CRM's PeriodicTrigger), fired exactly once per slot:
 * - each active periodic flow has a pg-boss schedule keyed by the flow id on one queue;
 *   pg-boss sends one job per occurrence, `missed: 'once'` catches up after downtime;
 * - the job's handler turns it into a `schedule.tick` event for the occurrence (slot) the
 *   job was created for. The event is unique per (flow, slot) — a unique index — so a doubled
 *   job (several workers, a redelivered job, a schedule set twice) inserts nothing, and the
 *   dispatcher starts one run per event;
 * - the handler re-reads the flow: a schedule left behind by a deactivated flow fires nothing.
 */
export const periodicQueue = 'weft.trigger.periodic';

interface TickJob {
  flowId: string;
}

async function periodicFlow(db: Db, flowId: string) {
  const flow = await db
    .selectFrom('flows')
    .innerJoin('flowVersions', (join) =>
      join
        .onRef('flowVersions.flowId', '=', 'flows.id')
        .onRef('flowVersions.version', '=', 'flows.publishedVersion'),
    )
    .select(['flows.id', 'flows.active', 'flowVersions.definition'])
    .where('flows.id', '=', flowId)
    .executeTakeFirst();
  if (!flow?.active || flow.definition.trigger.type !== 'trigger.periodic') return undefined;
  return { id: flow.id, params: flow.definition.trigger.params as PeriodicParams };
}

/** A periodic trigger's schedule read the way pg-boss will read it, before anything is published. */
export function scheduleProblems(definition: unknown): FlowProblem[] {
  const trigger = (definition as Partial<Flow> | null)?.trigger;
  if (trigger?.type !== 'trigger.periodic') return [];
  const params = (trigger.params ?? {}) as Partial<PeriodicParams>;
  if (typeof params.cron !== 'string') return [];
  const tz = params.timeZone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    return [problem('/timeZone', `"${tz}" is not an IANA time zone`)];
  }
  try {
    CronExpressionParser.parse(params.cron, { tz, strict: false });
  } catch (error) {
    return [problem('/cron', `"${params.cron}" is not a cron expression: ${(error as Error).message}`)];
  }
  return [];
}

const problem = (path: string, message: string): FlowProblem => ({
  code: 'trigger.params',
  nodeId: 'trigger',
  path,
  message,
});

/** Sets or removes a flow's schedule after it was published, activated, deactivated or deleted. */
export async function syncPeriodicSchedule(db: Db, boss: PgBoss, flowId: string): Promise<void> {
  await boss.createQueue(periodicQueue);
  const flow = await periodicFlow(db, flowId);
  if (!flow) {
    await boss.unschedule(periodicQueue, flowId);
    return;
  }
  const data: TickJob = { flowId };
  await boss.schedule(periodicQueue, flow.params.cron, data, {
    tz: flow.params.timeZone ?? 'UTC',
    key: flowId,
    missed: 'once',
  });
}

/**
 * Makes the schedules match the active periodic flows, at start: a process that stopped
 * between activating a flow and scheduling it, or one without a queue, left them behind.
 */
export async function syncAllPeriodicSchedules(db: Db, boss: PgBoss): Promise<void> {
  await boss.createQueue(periodicQueue);
  const active = await db
    .selectFrom('flows')
    .select('id')
    .where('active', '=', true)
    .where('triggerType', '=', 'trigger.periodic')
    .execute();
  const ids = new Set(active.map((flow) => flow.id));
  for (const schedule of await boss.getSchedules(periodicQueue)) {
    if (!ids.has(schedule.key)) await boss.unschedule(periodicQueue, schedule.key);
  }
  for (const id of ids) await syncPeriodicSchedule(db, boss, id);
}

/** The occurrence a job created at `createdOn` was sent for: the latest one not after it. */
export function slotOf(params: { cron: string; timeZone?: string }, createdOn: Date): string {
  const interval = CronExpressionParser.parse(params.cron, {
    tz: params.timeZone ?? 'UTC',
    strict: false,
    // prev() answers strictly before its reference; an occurrence exactly at createdOn counts.
    currentDate: new Date(createdOn.getTime() + 1),
  });
  return interval.prev().toDate().toISOString();
}

/**
 * Turns one tick job into the flow's `schedule.tick` event for its slot. Returns the event's
 * id, or null when the flow no longer runs on a schedule or the slot already has its event.
 */
export async function onPeriodicTick(db: Db, flowId: string, createdOn: Date): Promise<number | null> {
  const flow = await periodicFlow(db, flowId);
  if (!flow) return null;
  const slot = slotOf(flow.params, createdOn);
  const payload = JSON.stringify({ flowId, slot });
  return db.transaction().execute(async (trx) => {
    const inserted = await sql<{ id: number }>`
      insert into events (type, module, record_id, payload, actor_id)
      values ('schedule.tick', null, null, ${payload}::jsonb, null)
      on conflict ((payload->>'flowId'), (payload->>'slot')) where type = 'schedule.tick' do nothing
      returning id`.execute(trx);
    const id = inserted.rows[0]?.id;
    if (id === undefined) return null;
    return Number(id);
  });
}

/** The worker that turns schedule jobs into tick events. */
export async function workPeriodic(db: Db, boss: PgBoss): Promise<void> {
  await boss.createQueue(periodicQueue);
  await boss.work<TickJob, unknown, { includeMetadata: true }>(
    periodicQueue,
    { includeMetadata: true },
    async ([job]) => {
      if (job) await onPeriodicTick(db, job.data.flowId, job.createdOn);
    },
  );
}
