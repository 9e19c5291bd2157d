/**
 * Runs across every flow, as the executions page lists them: each with its flow's name, the
 * name of the record it ran on, how long it took and its error in one line; filtered by flow,
 * status, record (one record, or records of a module whose name matches), and start time.
 * One run in full adds the names, the definition of the version it ran (so a run view can
 * name every node and tell which branch an if took) and the input it started with.
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { containsPattern, decodeCursor, toPage } from '../platform/pagination.ts';
import { recordNames } from '../records/record-display.ts';
import { recordsDb } from '../studio/fields.ts';
import { displayExpression, findModule } from '../studio/modules.ts';
import { getRun, withoutResume } from './flow-runs.ts';

export interface ExecutionsQuery {
  flowId?: string | undefined;
  status?: string | undefined;
  module?: string | undefined;
  recordId?: string | undefined;
  /** Records of `module` whose name contains this. */
  q?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** The error a person reads: its message, without the internals the runtime keeps for a retry. */
export function errorSummary(error: unknown): string | null {
  if (error === null || error === undefined) return null;
  if (typeof error === 'string') return error;
  if (typeof error === 'object') {
    // A run's failure is `{ nodeId, error }`, the error a step's `{ message, … }` or a string.
    const { message, error: inner } = error as { message?: unknown; error?: unknown };
    if (typeof message === 'string') return message;
    if (inner !== undefined && inner !== null) return errorSummary(inner);
  }
  return 'The run failed';
}

const durationMs = (startedAt: Date, finishedAt: Date | string | null) =>
  finishedAt === null ? null : new Date(finishedAt).getTime() - startedAt.getTime();

/** Names of the records runs ran on, by module then id; a record without a name is "Unnamed …". */
async function namesOf(db: Db, runs: { module: string | null; recordId: string | null }[]) {
  const byModule = new Map<string, Set<string>>();
  for (const run of runs)
    if (run.module && run.recordId)
      byModule.set(run.module, (byModule.get(run.module) ?? new Set()).add(run.recordId));
  const names = new Map<string, string>();
  for (const [name, ids] of byModule) {
    const module = await findModule(db, name);
    if (!module) continue;
    const found = await recordNames(db, module, [...ids]);
    for (const id of ids) {
      const named = found.get(id);
      names.set(
        `${name}/${id}`,
        named === undefined
          ? `Deleted ${module.itemName.toLowerCase()}`
          : named && named !== id
            ? named
            : `Unnamed ${module.itemName}`,
      );
    }
  }
  return names;
}

export async function listExecutions(db: Db, query: ExecutionsQuery) {
  const after = decodeCursor(query.cursor, ['text', 'uuid']);
  let select = db
    .selectFrom('flowRuns')
    .leftJoin('flows', 'flows.id', 'flowRuns.flowId')
    .select([
      'flowRuns.id',
      'flowRuns.flowId',
      'flows.name as flowName',
      'flowRuns.version',
      'flowRuns.status',
      'flowRuns.module',
      'flowRuns.recordId',
      'flowRuns.parentRunId',
      'flowRuns.error',
      'flowRuns.startedAt',
      'flowRuns.finishedAt',
    ]);
  if (query.flowId) select = select.where('flowRuns.flowId', '=', query.flowId);
  if (query.status) select = select.where('flowRuns.status', '=', query.status as never);
  if (query.from) select = select.where('flowRuns.startedAt', '>=', new Date(query.from));
  if (query.to) select = select.where('flowRuns.startedAt', '<', new Date(query.to));
  if (query.module) select = select.where('flowRuns.module', '=', query.module);
  if (query.recordId) select = select.where('flowRuns.recordId', '=', query.recordId);
  if (query.module && query.q) {
    const module = await findModule(db, query.module);
    if (!module) return { items: [], nextCursor: null };
    const matching = recordsDb(db)
      .selectFrom(module.table)
      .select(sql<string>`id`.as('id'))
      .where(sql<boolean>`${displayExpression(module)} ilike ${containsPattern(query.q)}`);
    select = select.where('flowRuns.recordId', 'in', matching as never);
  }
  if (after)
    select = select.where((eb) =>
      eb(
        eb.refTuple('flowRuns.startedAt', 'flowRuns.id'),
        '<',
        eb.tuple(new Date(String(after[0])), String(after[1])),
      ),
    );
  const rows = await select
    .orderBy('flowRuns.startedAt', 'desc')
    .orderBy('flowRuns.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const names = await namesOf(db, rows);
  const items = rows.map(({ error, ...row }) => ({
    ...row,
    error: withoutResume(error),
    flowName: row.flowName ?? 'Deleted flow',
    recordName: row.module && row.recordId ? (names.get(`${row.module}/${row.recordId}`) ?? null) : null,
    durationMs: durationMs(row.startedAt, row.finishedAt),
    errorSummary: errorSummary(error),
  }));
  return toPage(items, query.limit, (row) => [row.startedAt.toISOString(), row.id]);
}

/** One run with its steps, names, and the definition of the version it ran (to name its nodes). */
export async function getExecution(db: Db, id: string) {
  const run = await getRun(db, id);
  const [flow, version, names, started] = await Promise.all([
    db.selectFrom('flows').select(['name']).where('id', '=', run.flowId).executeTakeFirst(),
    db
      .selectFrom('flowVersions')
      .select(['definition'])
      .where('flowId', '=', run.flowId)
      .where('version', '=', run.version)
      .executeTakeFirst(),
    namesOf(db, [run]),
    db.selectFrom('flowRuns').select(['input', 'snapshot']).where('id', '=', id).executeTakeFirst(),
  ]);
  return {
    ...run,
    flowName: flow?.name ?? 'Deleted flow',
    recordName: run.module && run.recordId ? (names.get(`${run.module}/${run.recordId}`) ?? null) : null,
    durationMs: durationMs(run.startedAt, run.finishedAt),
    errorSummary: errorSummary(run.error),
    definition: version?.definition ?? null,
    /** What the run started with (record, trigger, user): the values its conditions first read. */
    input: started?.input ?? null,
    /**
     * What each if / switch decided (its branch and the values its conditions read then), as
     * the run recorded it; null for runs from before decisions were recorded.
     */
    decisions:
      (started?.snapshot as { context?: { decisions?: Record<string, unknown> } } | null)?.context
        ?.decisions ?? null,
  };
}
