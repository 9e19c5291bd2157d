import { sql } from 'kysely';
import { type MacroParams, macroAllowed } from '../../engine/nodes/triggers/macro.ts';
import { type BulkTarget, bulkLimit, type RecordBulkBody } from '../../schemas/record-bulk.ts';
import type { Db } from '../db/index.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { type Principal, requireAdmin, requireScope } from '../platform/authz.ts';
import { notFound, WeftError } from '../platform/errors.ts';
import { recordsDb } from '../studio/fields.ts';
import { getModule, type ModuleDefinition, pinModules } from '../studio/modules.ts';
import { validateRecordInput } from '../studio/record-schema.ts';
import { visibleQueryFields } from './field-access.ts';
import { accessCondition } from './record-access.ts';
import { applySetChunk, type ChunkOutcome, type SetPlan, setChunk, setPlanOf } from './record-bulk-write.ts';
import { queryFieldsOf } from './record-list.ts';
import { parseWhere, searchCondition } from './record-query.ts';
import { checkReferences, deleteRecord, updateRecord } from './records.ts';
import { addTags, removeTags } from './tags.ts';

/**
 * One action on many records (`POST /api/records/:module/bulk`). Assign, update, tags and
 * delete go set-based (`record-bulk-write.ts`): chunks of `setChunk` records, each one
 * transaction of a few statements that give every record what the single-record service
 * would — its permission check, validation, changelog row, feed post and outbox events.
 * A chunk that path cannot decide alone (a database error such as a unique violation, a
 * check that reads the record) is rolled back and redone the per-record way: each record
 * through the single-record API's own service call, in transactions of `bulkChunk`
 * records, each behind a savepoint, so a record that fails is rolled back alone and
 * reported and the others commit. Records are taken in id order, so two bulk requests
 * lock rows in the same order and cannot deadlock each other.
 */

/**
 * Under PostgreSQL's 64 cached subtransactions per transaction (one savepoint each): past
 * it, every other session's snapshot checks read pg_subtrans while the chunk is open.
 */
export const bulkChunk = 60;
/** The failures answered by id; the rest are counted (`matched - succeeded`). */
export const bulkFailuresShown = 100;

export interface BulkFailure {
  id: string;
  error: { code: string; message: string };
}

export interface BulkResult {
  matched: number;
  succeeded: number;
  failed: BulkFailure[];
  /** runFlow: how many runs started (a manual flow's trigger conditions may pass some records by). */
  runs?: number;
}

export type FlowRunner = (principal: Principal, flowId: string, ids: string[]) => Promise<number>;

export interface BulkContext {
  /**
   * Starts a published flow on some records and answers how many runs started; null where
   * this process has no queue. Automation provides it (`app.runFlowOn`), so records need not import it.
   */
  runFlow: FlowRunner | null;
  /** Told about a record's failure that is not a WeftError (a bug of ours, logged, still reported). */
  onUnexpected?: (error: unknown, id: string) => void;
  /** Told when a set-based chunk is redone record by record, and why (the database's error, a check). */
  onRecordByRecord?: (reason: unknown, records: number) => void;
}

/** A query parameter's problem, named as the body's field. */
function asTargetField<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof WeftError) || !Array.isArray(error.details)) throw error;
    const named = { where: 'target.where', q: 'target.search' } as Record<string, string>;
    const details = (error.details as { field: string; reason: string }[]).map((problem) => ({
      ...problem,
      field: named[problem.field] ?? problem.field,
    }));
    throw new WeftError(
      error.kind,
      details.map((problem) => `${problem.field} ${problem.reason}`).join('; '),
      details,
    );
  }
}

/** The condition a list's `where` (json-logic, JSON-encoded) and `q` put on a module's records. */
function filterOf(
  principal: Principal,
  module: ModuleDefinition,
  where: string | undefined,
  q: string | undefined,
) {
  const fields = visibleQueryFields(principal, module.name, queryFieldsOf(module));
  return { where: parseWhere(where, fields), search: searchCondition(q, fields) };
}

/** How many records the principal may view match a list's `where` and `q` (the "select all N" count). */
export async function countRecords(
  db: Db,
  principal: Principal,
  moduleName: string,
  query: { where?: string | undefined; q?: string | undefined },
): Promise<{ count: number }> {
  const module = await getModule(db, moduleName);
  const visible = await accessCondition(db, principal, moduleName, 'view');
  const { where, search } = filterOf(principal, module, query.where, query.q);
  let select = recordsDb(db).selectFrom(module.table).select(sql<number>`count(*)::int`.as('count'));
  if (visible) select = select.where(visible);
  if (where) select = select.where(where);
  if (search) select = select.where(search);
  const row = await select.executeTakeFirstOrThrow();
  return { count: Number(row.count) };
}

/** The ids a target names, in id order: given ids as given, a filter over what the principal may view. */
async function resolveTarget(
  db: Db,
  principal: Principal,
  module: ModuleDefinition,
  target: BulkTarget,
): Promise<string[]> {
  // PostgreSQL orders uuids as their lowercase text; one record named twice is taken once.
  if (target.ids) return [...new Set(target.ids.map((id) => id.toLowerCase()))].sort();
  const visible = await accessCondition(db, principal, module.name, 'view');
  const { where, search } = asTargetField(() =>
    filterOf(
      principal,
      module,
      target.where === undefined ? undefined : JSON.stringify(target.where),
      target.search,
    ),
  );
  let select = recordsDb(db).selectFrom(module.table).select('id');
  if (visible) select = select.where(visible);
  if (where) select = select.where(where);
  if (search) select = select.where(search);
  const rows = await select
    .orderBy('id')
    .limit(bulkLimit + 1)
    .execute();
  if (rows.length > bulkLimit) {
    throw new WeftError(
      'UNPROCESSABLE',
      `The target matches more than ${bulkLimit.toLocaleString('en')} records, the most one request may change: narrow the filter or act in parts`,
      [{ field: 'target', reason: `matches more than ${bulkLimit} records` }],
    );
  }
  return rows.map((row) => String(row.id));
}

/** Checks everything about the action that is the same for every record, before any record is touched. */
async function prepare(
  db: Db,
  principal: Principal,
  module: ModuleDefinition,
  body: RecordBulkBody,
): Promise<void> {
  switch (body.action) {
    case 'assign':
      requireScope(principal, module.name, 'update');
      validateRecordInput(module, 'update', { assignedTo: body.assignedTo });
      if (body.assignedTo !== null) {
        const { rows } = await sql<{ found: boolean }>`
          select exists (select 1 from users where id = ${body.assignedTo})
            or exists (select 1 from groups where id = ${body.assignedTo}) as found
        `.execute(db);
        if (!rows[0]?.found)
          throw new WeftError('VALIDATION', 'assignedTo is not a user or group', [
            { field: 'assignedTo', reason: 'is not a user or group' },
          ]);
      }
      return;
    case 'addTags':
    case 'removeTags':
      requireScope(principal, module.name, 'update');
      return;
    case 'update':
      requireScope(principal, module.name, 'update');
      try {
        validateRecordInput(module, 'update', body.values);
      } catch (error) {
        if (!(error instanceof WeftError) || !Array.isArray(error.details)) throw error;
        const details = (error.details as { field: string; reason: string }[]).map((problem) => ({
          ...problem,
          field: `values.${problem.field}`,
        }));
        throw new WeftError('VALIDATION', details.map((p) => `${p.field} ${p.reason}`).join('; '), details);
      }
      return;
    case 'delete':
      requireScope(principal, module.name, 'delete');
      return;
    case 'runFlow': {
      // Running flows is administration, as on POST /api/flows/:id/run, except macros for
      // the roles they name (POST /api/macros/:id/run).
      const flow = await db
        .selectFrom('flows')
        .leftJoin('flowVersions', (join) =>
          join
            .onRef('flowVersions.flowId', '=', 'flows.id')
            .onRef('flowVersions.version', '=', 'flows.publishedVersion'),
        )
        .select(['flows.name', 'flows.publishedVersion', 'flowVersions.definition'])
        .where('flows.id', '=', body.flowId)
        .executeTakeFirst();
      if (!flow) throw notFound('Flow');
      if (
        !principal.isAdmin &&
        !(
          flow.definition?.trigger.type === 'trigger.macro' &&
          macroAllowed(flow.definition.trigger.params as MacroParams, principal)
        )
      )
        requireAdmin(principal);
      if (flow.publishedVersion === null || !flow.definition)
        throw new WeftError('UNPROCESSABLE', 'Publish the flow before running it');
      const on = (flow.definition.trigger.params as { module?: string }).module;
      if (on !== module.name)
        throw new WeftError(
          'UNPROCESSABLE',
          `The flow “${flow.name}” runs on ${on ?? 'no module’s'} records, not ${module.name}`,
        );
      return;
    }
  }
}

type RecordWork = (trx: Db, id: string) => Promise<unknown>;

/** The answer is counts, not records: no display names to look up. */
const quiet = { display: false } as const;

/** What the action does to one record: the single-record API's own service call. */
function workOf(principal: Principal, actor: Actor, module: string, body: RecordBulkBody): RecordWork | null {
  switch (body.action) {
    case 'assign':
      return (trx, id) =>
        updateRecord(trx, principal, actor, module, id, { assignedTo: body.assignedTo }, quiet);
    case 'addTags':
      return (trx, id) => addTags(trx, principal, actor, module, id, [...body.tags], quiet);
    case 'removeTags':
      return (trx, id) => removeTags(trx, principal, actor, module, id, [...body.tags], quiet);
    case 'update':
      return (trx, id) => updateRecord(trx, principal, actor, module, id, body.values, quiet);
    case 'delete':
      return (trx, id) => deleteRecord(trx, principal, actor, module, id);
    case 'runFlow':
      return null;
  }
}

class Tally {
  succeeded = 0;
  failures = 0;
  readonly failed: BulkFailure[] = [];
  runs = 0;
  private readonly onUnexpected: BulkContext['onUnexpected'];
  constructor(onUnexpected: BulkContext['onUnexpected']) {
    this.onUnexpected = onUnexpected;
  }

  fail(id: string, error: unknown): void {
    this.failures += 1;
    if (!(error instanceof WeftError)) this.onUnexpected?.(error, id);
    if (this.failed.length >= bulkFailuresShown) return;
    this.failed.push({
      id,
      error:
        error instanceof WeftError
          ? { code: error.code, message: error.message }
          : { code: 'WEFT_ERR_INTERNAL', message: 'Something went wrong on our side' },
    });
  }
}

function chunksOf<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

async function applyInChunks(db: Db, ids: string[], work: RecordWork, tally: Tally): Promise<void> {
  for (const chunk of chunksOf(ids, bulkChunk)) {
    await db.transaction().execute(async (trx) => {
      pinModules(trx);
      for (const id of chunk) {
        await sql`savepoint weft_bulk_record`.execute(trx);
        try {
          await work(trx, id);
          await sql`release savepoint weft_bulk_record`.execute(trx);
          tally.succeeded += 1;
        } catch (error) {
          await sql`rollback to savepoint weft_bulk_record`.execute(trx);
          tally.fail(id, error);
        }
      }
    });
  }
}

/**
 * Set-based chunks, two at a time (one is built in this process while the database writes
 * the other; their records are disjoint, so they lock nothing in common) except deletes,
 * whose unlinking may touch the same referencing rows. A chunk that throws is redone record
 * by record. Outcomes are counted in chunk order, so failures stay listed in id order.
 */
async function applySetBased(
  db: Db,
  principal: Principal,
  actor: Actor,
  module: ModuleDefinition,
  plan: SetPlan,
  ids: string[],
  work: RecordWork,
  tally: Tally,
  onRecordByRecord: BulkContext['onRecordByRecord'],
): Promise<void> {
  const chunks = chunksOf(ids, setChunk);
  const outcomes: (ChunkOutcome | { redo: unknown })[] = [];
  let next = 0;
  let stopped = false;
  const lane = async () => {
    while (!stopped && next < chunks.length) {
      const index = next++;
      const chunk = chunks[index] as string[];
      try {
        outcomes[index] = await db.transaction().execute(async (trx) => {
          pinModules(trx);
          return applySetChunk(trx, principal, actor, module, plan, chunk);
        });
      } catch (error) {
        if (!(error instanceof WeftError) && !isDatabaseError(error)) {
          stopped = true;
          throw error;
        }
        outcomes[index] = { redo: error };
      }
    }
  };
  const lanes = plan.kind === 'delete' ? 1 : 2;
  await Promise.all(Array.from({ length: Math.min(lanes, chunks.length) }, lane));
  for (const [index, outcome] of outcomes.entries()) {
    const chunk = chunks[index] as string[];
    if ('redo' in outcome) {
      onRecordByRecord?.(outcome.redo, chunk.length);
      await applyInChunks(db, chunk, work, tally);
      continue;
    }
    tally.succeeded += outcome.succeeded;
    for (const failure of outcome.failed) tally.fail(failure.id, failure.error);
  }
}

/** An error PostgreSQL answered (a SQLSTATE): the per-record path tells which record caused it. */
const isDatabaseError = (error: unknown) =>
  typeof (error as { code?: unknown }).code === 'string' &&
  /^[0-9A-Z]{5}$/.test((error as { code: string }).code);

/**
 * Runs a flow on the records chunk by chunk, each chunk one `runFlowOn` transaction; a
 * chunk that fails (a record gone or hidden) is run again record by record to say which.
 */
async function runFlowInChunks(
  runFlow: FlowRunner,
  principal: Principal,
  flowId: string,
  ids: string[],
  tally: Tally,
): Promise<void> {
  for (const chunk of chunksOf(ids, bulkChunk)) {
    try {
      tally.runs += await runFlow(principal, flowId, chunk);
      tally.succeeded += chunk.length;
      continue;
    } catch {
      // Which record it was is found below.
    }
    for (const id of chunk) {
      try {
        tally.runs += await runFlow(principal, flowId, [id]);
        tally.succeeded += 1;
      } catch (error) {
        tally.fail(id, error);
      }
    }
  }
}

export async function bulkRecords(
  db: Db,
  principal: Principal,
  actor: Actor,
  moduleName: string,
  body: RecordBulkBody,
  context: BulkContext,
): Promise<BulkResult> {
  const module = await getModule(db, moduleName);
  await prepare(db, principal, module, body);
  if (body.action === 'runFlow' && !context.runFlow)
    throw new WeftError('UNAVAILABLE', 'The workflow queue is not running in this process');
  const ids = await resolveTarget(db, principal, module, body.target);
  const tally = new Tally(context.onUnexpected);
  try {
    const work = workOf(principal, actor, moduleName, body);
    const plan =
      work && ids.length > 0
        ? await setPlanOf(db, principal, module, body, (values) =>
            checkReferences(db, principal, module, values, values),
          )
        : null;
    if (work && plan)
      await applySetBased(db, principal, actor, module, plan, ids, work, tally, context.onRecordByRecord);
    else if (work) await applyInChunks(db, ids, work, tally);
    else if (body.action === 'runFlow' && context.runFlow)
      await runFlowInChunks(context.runFlow, principal, body.flowId, ids, tally);
  } finally {
    // Once per request, whatever became of it; each record's own change is in the changelog.
    const { target } = body;
    await audit(
      db,
      actor,
      'records.bulk',
      { type: 'module', id: moduleName },
      {
        action: body.action,
        target: target.ids
          ? { ids: target.ids.length }
          : { where: target.where ?? null, search: target.search ?? null },
        ...(body.action === 'runFlow' && { flowId: body.flowId }),
        ...(body.action === 'update' && { fields: Object.keys(body.values) }),
        ...((body.action === 'addTags' || body.action === 'removeTags') && { tags: body.tags }),
        ...(body.action === 'assign' && { assignedTo: body.assignedTo }),
        matched: ids.length,
        succeeded: tally.succeeded,
        failed: tally.failures,
      },
    );
  }
  return {
    matched: ids.length,
    succeeded: tally.succeeded,
    failed: tally.failed,
    ...(body.action === 'runFlow' && { runs: tally.runs }),
  };
}
