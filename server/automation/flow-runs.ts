import { sql } from 'kysely';
import { catalog } from '../../engine/nodes/index.ts';
import type { FlowRuntime, StartRequest } from '../../engine/runtime/runtime.ts';
import type { EngineDb, RunStatus } from '../../engine/runtime/tables.ts';
import { type TestRunResult, testRun } from '../../engine/runtime/test-run.ts';
import type { Db } from '../db/index.ts';
import type { Principal } from '../platform/authz.ts';
import { notFound, WeftError } from '../platform/errors.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';
import type { SettingsService } from '../platform/settings.ts';
import { getRecord, getRecords, type RecordValues } from '../records/records.ts';
import { engineSettings, templateSettingsOf } from './code-sandbox.ts';
import { triggerConditionsHold } from './dispatcher.ts';
import { engineServices } from './engine-services.ts';
import { problemsOf } from './flows.ts';
import { userProfiles } from './run-data.ts';
import { runTransaction } from './run-transaction.ts';
import { trimTriggerLog } from './trigger-log.ts';

const runColumns = [
  'id',
  'flowId',
  'version',
  'status',
  'eventId',
  'module',
  'recordId',
  'depth',
  'parentRunId',
  'error',
  'output',
  'startedAt',
  'updatedAt',
  'finishedAt',
] as const;

/** The runs of a flow that does not exist are a 404, not an empty page (`GET /api/flows/:id/runs`). */
export async function assertFlowExists(db: Db, flowId: string): Promise<void> {
  const flow = await db.selectFrom('flows').select('id').where('id', '=', flowId).executeTakeFirst();
  if (!flow) throw notFound('Flow');
}

export async function listRuns(
  db: Db,
  query: {
    flowId?: string;
    module?: string;
    recordId?: string;
    status?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const after = decodeCursor(query.cursor, ['timestamp', 'uuid']);
  let select = db.selectFrom('flowRuns').select(runColumns);
  if (query.flowId) select = select.where('flowId', '=', query.flowId);
  if (query.module && query.recordId)
    select = select.where('module', '=', query.module).where('recordId', '=', query.recordId);
  if (query.status) select = select.where('status', '=', query.status as RunStatus);
  if (after) {
    select = select.where((eb) =>
      eb(eb.refTuple('startedAt', 'id'), '<', eb.tuple(new Date(String(after[0])), String(after[1]))),
    );
  }
  const rows = await select
    .orderBy('startedAt', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  // The resume point kept for retries is internal; answer the failure alone.
  const items = rows.map((row) => ({ ...row, error: withoutResume(row.error) }));
  return toPage(items, query.limit, (row) => [row.startedAt.toISOString(), row.id]);
}

export const withoutResume = (error: unknown) => {
  if (error === null || typeof error !== 'object') return error;
  const { resumeSnapshot: _internal, ...rest } = error as Record<string, unknown>;
  return rest;
};

/** A run with its steps in order: the timeline the designer shows. */
export async function getRun(db: Db, id: string) {
  const run = await db.selectFrom('flowRuns').select(runColumns).where('id', '=', id).executeTakeFirst();
  if (!run) throw notFound('Run');
  const steps = await db
    .selectFrom('flowSteps')
    .select([
      'nodeId',
      'iteration',
      'nodeType',
      'status',
      'attempt',
      'input',
      'output',
      'error',
      'startedAt',
      'finishedAt',
    ])
    .where('runId', '=', id)
    .orderBy('id')
    .execute();
  return { ...run, error: withoutResume(run.error), steps };
}

const asEngine = (db: Db) => db as unknown as EngineDb;

/**
 * Runs a flow by hand on records of its trigger module: the published version, or the
 * draft as a test run (version 0, never matched by events).
 */
export async function runFlowOn(
  runtime: FlowRuntime,
  principal: Principal,
  flowId: string,
  recordIds: string[],
): Promise<string[]> {
  const runIds = await runTransaction(runtime, async (trx) => {
    const flow = await trx
      .selectFrom('flows')
      .select(['draft', 'publishedVersion', 'triggerModule'])
      .where('id', '=', flowId)
      .executeTakeFirst();
    if (!flow) throw notFound('Flow');
    if (flow.publishedVersion === null)
      throw new WeftError('UNPROCESSABLE', 'Publish the flow before running it');
    const version = flow.publishedVersion;
    const { definition } = await trx
      .selectFrom('flowVersions')
      .select('definition')
      .where('flowId', '=', flowId)
      .where('version', '=', version)
      .executeTakeFirstOrThrow();
    const module = (definition.trigger.params as { module?: string }).module;
    if (!module)
      throw new WeftError('UNPROCESSABLE', 'The flow’s trigger names no module to take records from');
    const starts: StartRequest[] = [];
    const profiles = await userProfiles(trx, [principal.id]);
    const user = profiles.get(principal.id) ?? { id: principal.id };
    // The caller must be able to see each record: a run shows its values (one read for all).
    const records = await getRecords(trx, principal, module, recordIds);
    for (const [index, recordId] of recordIds.entries()) {
      const record = records[index] as RecordValues;
      // A macro's trigger conditions choose which of the selected records it runs on.
      const macro = { record: { ...record, module }, user };
      if (
        (definition.trigger.type === 'trigger.manual' || definition.trigger.type === 'trigger.macro') &&
        !(await triggerConditionsHold(trx, definition, macro))
      )
        continue;
      starts.push({
        flowId,
        version,
        definition,
        input: { record: { ...record, module }, trigger: { module, recordId }, user },
        module,
        recordId,
      });
    }
    const runIds = await runtime.startMany(asEngine(trx), starts);
    return runIds.filter((runId) => runId !== null);
  });
  return runIds;
}

export async function cancelRun(db: Db, runtime: FlowRuntime, id: string) {
  const cancelled = await runTransaction(runtime, (trx) => runtime.cancel(asEngine(trx), id));
  if (!cancelled) throw new WeftError('UNPROCESSABLE', 'Only a running or waiting run can be cancelled');
  return getRun(db, id);
}

export async function retryRun(db: Db, runtime: FlowRuntime, id: string) {
  const retried = await runTransaction(runtime, (trx) => runtime.retry(asEngine(trx), id));
  if (!retried) throw new WeftError('UNPROCESSABLE', 'Only a failed run can be retried from its failed step');
  return getRun(db, id);
}

const retryFromRefusals = {
  'not-found': 'Run not found',
  running: 'The run has not finished: wait for it, or cancel it, before retrying from a step',
  'not-run': 'That step did not run in this run: retry from a step it passed',
  nested:
    'A step inside a parallel branch or a loop cannot be a starting point: retry from the step before the branch or loop',
} as const;

/**
 * "Retry from this step": a new run of the same version on the same record, starting at
 * that step with the data the run had there (FlowRuntime.retryFrom). Answers the new run.
 */
export async function retryRunFrom(db: Db, runtime: FlowRuntime, id: string, nodeId: string) {
  const result = await runTransaction(runtime, (trx) => runtime.retryFrom(asEngine(trx), id, nodeId));
  if ('refused' in result) {
    if (result.refused === 'not-found') throw notFound('Run');
    throw new WeftError('UNPROCESSABLE', retryFromRefusals[result.refused], [
      { field: 'nodeId', reason: retryFromRefusals[result.refused] },
    ]);
  }
  return getRun(db, result.runId);
}

class RolledBack extends Error {
  readonly result: TestRunResult;
  constructor(result: TestRunResult) {
    super('test run rolled back');
    this.result = result;
  }
}

/**
 * `POST /api/flows/:id/test-runs`: the draft against one record, synchronously, in a
 * transaction rolled back at the end — nothing it writes stays, email and HTTP are
 * captured — answering the path taken and every step's input and output.
 */
export async function testRunOn(
  db: Db,
  principal: Principal,
  flowId: string,
  recordId: string,
): Promise<TestRunResult> {
  try {
    await db.transaction().execute(async (trx) => {
      const flow = await trx.selectFrom('flows').select('draft').where('id', '=', flowId).executeTakeFirst();
      if (!flow) throw notFound('Flow');
      const problems = await problemsOf(trx, flow.draft);
      if (problems.length > 0)
        throw new WeftError('FLOW_INVALID', 'Fix the draft’s problems before testing it', problems);
      const module = (flow.draft.trigger.params as { module?: string }).module;
      if (!module)
        throw new WeftError('UNPROCESSABLE', 'The flow’s trigger names no module to take a record from');
      const record = await getRecord(trx, principal, module, recordId);
      const [profiles, settings] = await Promise.all([
        userProfiles(trx, [principal.id]),
        engineSettings(trx),
      ]);
      const result = await testRun(
        {
          catalog,
          clock: { now: () => new Date() },
          services: engineServices,
          templateFormats: () => templateSettingsOf(settings),
        },
        asEngine(trx),
        flowId,
        flow.draft,
        {
          record: { ...record, module },
          trigger: { module, recordId },
          user: profiles.get(principal.id) ?? { id: principal.id },
        },
      );
      throw new RolledBack(result);
    });
  } catch (error) {
    if (error instanceof RolledBack) return error.result;
    throw error;
  }
  throw new Error('unreachable: a test run always rolls back');
}

/**
 * Deletes finished runs past the age limit, and past the per-flow cap (newest kept), with
 * their steps; trigger-log rows go with the same age limit. Active runs are never touched.
 */
export async function pruneRuns(db: Db, settings: SettingsService): Promise<{ runs: number; log: number }> {
  const { runRetentionDays, runRetentionPerFlow, triggerLogMax } = await settings.get();
  const finished = ['succeeded', 'failed', 'cancelled'] as const;
  const byAge = await db
    .deleteFrom('flowRuns')
    .where('status', 'in', finished)
    .where('finishedAt', '<', sql<Date>`now() - make_interval(days => ${runRetentionDays})`)
    .executeTakeFirst();
  const byCap = await sql`
    delete from flow_runs where id in (
      select id from (
        select id, row_number() over (partition by flow_id order by started_at desc) as rank
        from flow_runs where status in ('succeeded', 'failed', 'cancelled')
      ) ranked where rank > ${runRetentionPerFlow}
    )`.execute(db);
  const log = await db
    .deleteFrom('flowTriggerLog')
    .where('createdAt', '<', sql<Date>`now() - make_interval(days => ${runRetentionDays})`)
    .executeTakeFirst();
  const overCap = await trimTriggerLog(db, triggerLogMax);
  return {
    runs: Number(byAge.numDeletedRows) + Number(byCap.numAffectedRows ?? 0n),
    log: Number(log.numDeletedRows) + overCap,
  };
}
