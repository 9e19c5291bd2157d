import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { ImportsTable } from '../db/types.ts';
import { loadPrincipal, type Principal, requireScope, visibleAssignees } from '../platform/authz.ts';
import { WeftError } from '../platform/errors.ts';
import type { SettingsService } from '../platform/settings.ts';
import { accessCondition } from '../records/record-access.ts';
import { routeRecords } from '../routing/routing.ts';
import { columnName, indexName } from '../studio/fields.ts';
import { getModule, type ModuleDefinition } from '../studio/modules.ts';
import { type Plan, type Writer, type Written, writePlans } from './import-batch.ts';
import { type LinkChoices, LinkCreator } from './import-links.ts';
import { readTable } from './import-parse.ts';
import { type Counts, pushProgress, recordProgress } from './import-progress.ts';
import { keyOf, type Preparer, prepareBatch, type RowError, type SourceRow } from './import-rows.ts';
import { importUserRows } from './import-users.ts';

/**
 * The import job. Rows go in batches; each batch commits its records, changelog rows,
 * events, failed rows and the import's progress (with its own first row) in one
 * transaction, so a job that stops half-way redoes exactly the batches that did not
 * commit and never counts a row twice.
 */

export const batchSize = 500;

type ImportRow = Pick<
  Selectable<ImportsTable>,
  | 'id'
  | 'module'
  | 'mode'
  | 'keyField'
  | 'mapping'
  | 'route'
  | 'tags'
  | 'format'
  | 'createdBy'
  | 'data'
  | 'processed'
  | 'doneBatches'
  | 'status'
  | 'linkChoices'
  | 'runFlows'
>;

/** Integrity and data errors fail the row that caused them; anything else fails the job. */
const isRowError = (error: unknown) => /^2[23]/.test(String((error as { code?: unknown }).code ?? ''));

function databaseProblem(module: ModuleDefinition, row: number, error: unknown): RowError {
  const { code, constraint, column, message } = error as {
    code?: string;
    constraint?: string;
    column?: string;
    message?: string;
  };
  if (code === '23505') {
    const field = module.fields.find(
      (candidate) => indexName(module.table, columnName(candidate.name), 'key') === constraint,
    );
    return { row, field: field?.name ?? null, reason: 'is already used by another record' };
  }
  const field = module.fields.find((candidate) => columnName(candidate.name) === column);
  return { row, field: field?.name ?? null, reason: message ?? 'was refused by the database' };
}

/** The created records' import_records rows were written with them (the writer's importId). */
const recordsOf = (written: Written) => written.updated.map((id) => ({ id, action: 'updated' as const }));

/**
 * A batch's commit does not wait for its WAL flush. A crash may lose the last batches, but
 * their progress row goes with them (same transaction), so the resumed job redoes exactly
 * those rows: nothing is lost or doubled, and each commit saves a disk flush.
 */
const relaxedCommit = (trx: Db) => sql`set local synchronous_commit = off`.execute(trx);

/**
 * The batch's lead-routing turns, taken in a short transaction of their own before the batch's
 * (routing.ts: one statement per rotation). Taken inside it, the rotation's counter row stayed
 * locked until the batch committed, so two batches of a routed import ran one after the
 * other. No turn is given twice; those of a batch that then fails (a row refused, the job
 * stopped) are skipped rather than given back, so a rotation may pass over someone once per
 * failed row, and a resumed job takes new turns for the batches it redoes.
 */
async function takeTurns(db: Db, writer: Writer, plans: Plan[]) {
  const routed = plans.filter((plan) => plan.kind === 'create' && plan.route);
  if (routed.length === 0) return;
  const decisions = await routeRecords(
    db,
    writer.module.name,
    routed.map((plan) => plan.values),
    { settings: writer.settings },
  );
  routed.forEach((plan, index) => {
    if (plan.kind !== 'create') return;
    plan.values.assignedTo = decisions[index]?.assignee ?? null;
    plan.route = false;
  });
}

async function commitBatch(
  db: Db,
  importRow: ImportRow,
  writer: Writer,
  start: number,
  rows: number,
  prepared: { plans: Plan[]; errors: RowError[]; failedRows: number; skipped: number },
) {
  const counts = (written: Written, failed: number): Counts => ({
    created: written.created.length,
    updated: written.updated.length,
    unchanged: written.unchanged,
    skipped: prepared.skipped,
    failed,
  });
  await takeTurns(db, writer, prepared.plans);
  try {
    await db.transaction().execute(async (trx) => {
      await relaxedCommit(trx);
      const written = await writePlans(trx, writer, prepared.plans);
      await recordProgress(
        trx,
        importRow,
        rows,
        counts(written, prepared.failedRows),
        prepared.errors,
        recordsOf(written),
        start,
      );
    });
    return;
  } catch (error) {
    if (!isRowError(error)) throw error;
  }
  // Some row broke the batch: again row by row, each in a savepoint, so only bad rows fail.
  await db.transaction().execute(async (trx) => {
    await relaxedCommit(trx);
    const written: Written = { created: [], updated: [], unchanged: 0 };
    const errors = [...prepared.errors];
    let failed = prepared.failedRows;
    for (const plan of prepared.plans) {
      await sql`savepoint import_row`.execute(trx);
      try {
        const one = await writePlans(trx, writer, [plan]);
        written.created.push(...one.created);
        written.updated.push(...one.updated);
        written.unchanged += one.unchanged;
        await sql`release savepoint import_row`.execute(trx);
      } catch (error) {
        if (!isRowError(error)) throw error;
        await sql`rollback to savepoint import_row`.execute(trx);
        errors.push(databaseProblem(writer.module, plan.row, error));
        failed++;
      }
    }
    await recordProgress(trx, importRow, rows, counts(written, failed), errors, recordsOf(written), start);
  });
}

export async function preparerFor(
  db: Db,
  importRow: Pick<ImportRow, 'mode' | 'keyField' | 'mapping' | 'route' | 'tags'> & {
    linkChoices?: LinkChoices;
  },
  module: ModuleDefinition,
  principal: Principal,
  header: string[],
  options: { dryRun?: boolean } = {},
): Promise<Preparer> {
  const createScope = requireScope(principal, module.name, 'create');
  if (importRow.mode === 'update') requireScope(principal, module.name, 'update');
  const reach = await visibleAssignees(db, principal, createScope);
  const [users, groups] = await Promise.all([
    db.selectFrom('users').select(['id', 'username']).execute(),
    db.selectFrom('groups').select(['id', 'name']).execute(),
  ]);
  const names = new Map<string, string>();
  for (const group of groups) names.set(group.name.toLowerCase(), group.id);
  for (const user of users) names.set(user.username.toLowerCase(), user.id);
  const keyColumn = Object.entries(importRow.mapping).find(([, field]) => field === importRow.keyField)?.[0];
  return {
    module,
    principal,
    mode: importRow.mode,
    keyField: importRow.keyField,
    keyColumn: keyColumn === undefined ? null : header.indexOf(keyColumn),
    columns: Object.entries(importRow.mapping).flatMap(([column, name]) => {
      const field = module.fields.find((candidate) => candidate.name === name);
      return field ? [{ index: header.indexOf(column), field }] : [];
    }),
    // As for a record created by hand: routing assigns only when the module's routing is on.
    route: importRow.route && (await routingOn(db, module.name)),
    tags: importRow.tags,
    names,
    assignees: new Set([...users.map((user) => user.id), ...groups.map((group) => group.id)]),
    reach: reach === null ? null : new Set(reach),
    matchable: await accessCondition(
      db,
      principal,
      module.name,
      importRow.mode === 'update' ? 'update' : 'view',
    ),
    links: importRow.linkChoices ?? {},
    ...(options.dryRun ? {} : { creator: new LinkCreator(db, principal) }),
  };
}

async function routingOn(db: Db, module: string): Promise<boolean> {
  const settings = await db
    .selectFrom('routingSettings')
    .select('enabled')
    .where('module', '=', module)
    .executeTakeFirst();
  return settings?.enabled === true;
}

/** Rows from `start`, cut at `size` or before a key already in the batch (it must see the first one's record). */
export function nextBatch(
  preparer: Preparer,
  sources: SourceRow[],
  start: number,
  size: number,
): SourceRow[] {
  const batch: SourceRow[] = [];
  const keys = new Set<string>();
  for (let index = start; index < sources.length && batch.length < size; index++) {
    const source = sources[index] as SourceRow;
    if (preparer.mode !== 'create') {
      const key = keyOf(preparer, source.cells);
      if (key !== '' && keys.has(key)) break;
      keys.add(key);
    }
    batch.push(source);
  }
  return batch;
}

/**
 * Creates do not depend on each other, so two batches run at once: on two cores the
 * database inserts one while the other is checked and built, or both. Matching modes go
 * one batch at a time: a batch must see the records the one before it created.
 */
const concurrentBatches = 2;

/** Runs `work` over `items`, at most `limit` at a time; the first failure stops the rest. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Runs (or resumes) an import to its end. */
export async function runImport(
  db: Db,
  settings: SettingsService,
  id: string,
  { size = batchSize }: { size?: number } = {},
): Promise<void> {
  const importRow = await db
    .selectFrom('imports')
    .select([
      'id',
      'module',
      'mode',
      'keyField',
      'mapping',
      'route',
      'tags',
      'format',
      'createdBy',
      'data',
      'processed',
      'doneBatches',
      'status',
      'linkChoices',
      'runFlows',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!importRow || (importRow.status !== 'queued' && importRow.status !== 'running') || !importRow.data)
    return;
  const finish = async (status: 'done' | 'failed', error: string | null) => {
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('imports')
        // The file stays while some of it failed: it can be retried without uploading it again.
        .set({
          status,
          error,
          data: sql`case when ${status} = 'done' and failed = 0 then null else data end`,
          finishedAt: sql`now()`,
        })
        .where('id', '=', id)
        .execute();
      await pushProgress(trx, id, importRow.createdBy);
    });
  };
  try {
    const principal = importRow.createdBy ? await loadPrincipal(db, importRow.createdBy) : undefined;
    if (!principal) return await finish('failed', 'the importing user no longer exists or is inactive');
    const table = await readTable(importRow.data, importRow.format);
    const sources = table.rows.map((cells, index) => ({ row: index + 2, cells }));
    await db
      .updateTable('imports')
      .set({ status: 'running', total: sources.length, startedAt: sql`coalesce(started_at, now())` })
      .where('id', '=', id)
      .execute();
    const actor = { id: principal.id, username: principal.username };
    if (importRow.module === 'users') {
      await importUserRows(db, settings, importRow, actor, table.header, sources.slice(importRow.processed));
      return await finish('done', null);
    }
    const module = await getModule(db, importRow.module);
    const preparer = await preparerFor(db, importRow, module, principal, table.header);
    const writer: Writer = { module, actor, settings, runFlows: importRow.runFlows, importId: importRow.id };
    // Batches are cut the same way on every run, so a resumed job knows them by their first row.
    const done = new Set(importRow.doneBatches);
    const batches: { start: number; rows: SourceRow[] }[] = [];
    for (let start = 0; start < sources.length; ) {
      const rows = nextBatch(preparer, sources, start, size);
      if (!done.has(start)) batches.push({ start, rows });
      start += rows.length;
    }
    await inParallel(
      batches,
      importRow.mode === 'create' ? concurrentBatches : 1,
      async ({ start, rows }) => {
        const prepared = await prepareBatch(db, preparer, rows);
        await commitBatch(db, importRow, writer, start, rows.length, prepared);
      },
    );
    // As after any bulk load: without fresh statistics the planner still sees the table as it
    // was, and lists of a module that grew from 0 to 100,000 rows would be planned for 0.
    if (batches.length > 1) await sql`analyze ${sql.table(module.table)}`.execute(db);
    await finish('done', null);
  } catch (error) {
    // Failed for good: a crash (no exception) is what pg-boss retries, resuming after the last batch.
    await finish('failed', error instanceof WeftError ? error.message : `import stopped: ${String(error)}`);
  }
}
