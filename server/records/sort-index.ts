/**
 * Sort indexes (issue 19): which columns of a records table a btree leads (so a list sorted by
 * them walks the index), and the sort index Weft builds by itself when a list sorts a large
 * table by a field without one.
 *
 * A sort on a field no index leads reads every matching row and sorts them (a parallel scan
 * of the table: 0.3 s at 1,000,000 contacts, whatever the page size). When a list does that on
 * a table the planner estimates at `autoSortIndexRows` rows or more, the list is answered as
 * before and a job (`sortIndexQueue`) is sent: it builds the field's sort index with
 * `CREATE INDEX CONCURRENTLY` (writes to the table go on meanwhile; no request waits for it)
 * and marks the field sortable (`options.sortable: true`, Studio's "Fast sorting"), so later
 * pages walk the index. An admin who unticks "Fast sorting" drops the index, and the field's
 * `sortable: false` is the remembered choice: no automatic index comes back for it. The
 * `automaticSortIndexes` setting turns the whole thing off.
 */
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { audit } from '../platform/audit.ts';
import { currentSettings, type SettingsService } from '../platform/settings.ts';
import { columnName, indexName, isMultiple, recordsDb, tableOf } from '../studio/fields.ts';
import { bumpVersion, type FieldDefinition, getModule, lockModule } from '../studio/modules.ts';

/** How long what the catalog says of a table is trusted before being read again. */
const factsTtlMs = 30_000;

interface TableFacts {
  /** Columns that lead a valid, non-partial btree of the table. */
  columns: Set<string>;
  /** The planner's estimate of the table's rows (`pg_class.reltuples`; -1 before any analyze). */
  rows: number;
}
const facts = new Map<string, { at: number; facts: Promise<TableFacts> }>();

/**
 * The columns that lead a btree index of the module's table and its estimated rows (read
 * from the catalog, kept 30 s): a sort on one of those columns walks the index; a sort on any
 * other reads every matching row. A stale answer only chooses a slower plan, never other rows.
 * An index still being built (`indisvalid` false) does not count.
 */
export function tableFacts(db: Db, module: string): Promise<TableFacts> {
  const table = tableOf(module);
  const cached = facts.get(table);
  if (cached && Date.now() - cached.at < factsTtlMs) return cached.facts;
  const read = sql<{ column: string | null; rows: number }>`
    select a.attname as column, c.reltuples::float8 as rows
    from pg_class c
    left join pg_index i on i.indrelid = c.oid and i.indpred is null and i.indisvalid
      and exists (select 1 from pg_class ix join pg_am am on am.oid = ix.relam and am.amname = 'btree'
                  where ix.oid = i.indexrelid)
    left join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
    where c.oid = to_regclass(${table})`
    .execute(recordsDb(db))
    .then(({ rows }) => ({
      columns: new Set(rows.flatMap((row) => (row.column === null ? [] : [row.column]))),
      rows: Number(rows[0]?.rows ?? 0),
    }));
  facts.set(table, { at: Date.now(), facts: read });
  read.catch(() => facts.delete(table));
  return read;
}

/** The columns that lead a btree index of the module's table (`tableFacts`). */
export async function indexedColumns(db: Db, module: string): Promise<Set<string>> {
  return (await tableFacts(db, module)).columns;
}

/** Forgets what was read of the table: the next list reads the catalog again. */
export function forgetTableFacts(module: string): void {
  facts.delete(tableOf(module));
}

/** From how many (estimated) rows a sort on a field without an index gets one by itself. */
export const autoSortIndexRows = 50_000;

export const sortIndexQueue = 'weft.records.sort-index';

export interface SortIndexJob {
  module: string;
  field: string;
}

/** Sends a job (set by `startSortIndexWorker`; one worker per process, as `main.ts` starts it). */
let send: ((job: SortIndexJob) => Promise<unknown>) | null = null;
/** Fields this process already asked for: a list sorting by one does not send again. */
const asked = new Set<string>();

/** Whether a field may get a sort index by itself: one value per record, and the admin has not said no. */
export function wantsAutoSortIndex(field: Pick<FieldDefinition, 'type' | 'options'>): boolean {
  return field.options.sortable === undefined && !isMultiple(field);
}

/**
 * A list sorted `module` by `field`, no index leading its column, on a table estimated at
 * `rows`: from `autoSortIndexRows` on, with the `automaticSortIndexes` setting on, asks (once
 * per process) for the field's sort index. The job is sent in the background, not waited for.
 */
export async function noteUnindexedSort(
  db: Db,
  module: string,
  field: FieldDefinition,
  rows: number,
): Promise<void> {
  if (rows < autoSortIndexRows || !wantsAutoSortIndex(field) || send === null) return;
  const key = `${module}.${field.name}`;
  if (asked.has(key)) return;
  // One tiny query (the settings token) on a path that reads the whole table anyway.
  if (!(await currentSettings(db)).automaticSortIndexes || asked.has(key)) return;
  asked.add(key);
  send({ module, field: field.name }).catch(() => asked.delete(key));
}

/** What a job did: built (and marked the field), or why not. */
export type SortIndexOutcome = 'built' | 'off' | 'gone' | 'declined' | 'indexed' | 'small';

/**
 * Builds `job.field`'s sort index (`<table>_<column>_order` on (column, id), the one "Fast
 * sorting" keeps) without blocking writes, then marks the field sortable. Checked again here
 * (the setting, the field, the admin's choice, an index already there); an admin who unticks
 * "Fast sorting" while it is built wins: the index is dropped again.
 */
export async function buildSortIndex(
  db: Db,
  settings: SettingsService,
  job: SortIndexJob,
): Promise<SortIndexOutcome> {
  if (!(await settings.get()).automaticSortIndexes) return 'off';
  const module = await getModule(db, job.module).catch(() => null);
  const field = module?.fields.find((candidate) => candidate.name === job.field);
  if (!module || !field) return 'gone';
  if (!wantsAutoSortIndex(field)) return 'declined';
  forgetTableFacts(job.module);
  const { columns, rows } = await tableFacts(db, job.module);
  const table = tableOf(job.module);
  const column = columnName(field.name);
  if (columns.has(column)) return 'indexed';
  if (rows < autoSortIndexRows) return 'small';
  const name = indexName(table, column, 'order');
  // A build that failed half-way (cancelled, the process gone) leaves an invalid index of that name.
  const { rows: leftover } = await sql<{ valid: boolean }>`
    select i.indisvalid as valid from pg_index i where i.indexrelid = to_regclass(${name})`.execute(db);
  if (leftover[0] && !leftover[0].valid)
    await sql`drop index concurrently if exists ${sql.id(name)}`.execute(db);
  // Not in a transaction (CONCURRENTLY refuses one): reads and writes of the table go on.
  await sql`create index concurrently if not exists ${sql.id(name)} on ${sql.id(table)} (${sql.id(column)}, id)`.execute(
    db,
  );
  const outcome = await inTransaction(db, async (trx) => {
    const locked = await lockModule(trx, job.module);
    const now = locked.fields.find((candidate) => candidate.name === job.field);
    if (!now || now.options.sortable === false) {
      // Unticked (or removed) while the index was built: the admin's choice stands.
      if (now) await sql`drop index if exists ${sql.id(name)}`.execute(trx);
      return 'declined' as const;
    }
    if (now.options.sortable !== true) {
      await trx
        .updateTable('moduleFields')
        .set({ options: JSON.stringify({ ...now.options, sortable: true }) })
        .where('module', '=', job.module)
        .where('name', '=', job.field)
        .execute();
      await bumpVersion(trx, job.module);
      await audit(
        trx,
        { id: null, username: 'system' },
        'module.field.update',
        { type: 'module', id: job.module },
        { field: job.field, options: { sortable: true }, automatic: true },
      );
    }
    return 'built' as const;
  });
  forgetTableFacts(job.module);
  return outcome;
}

/** The sort index worker on `boss`; list requests of this process send it their jobs. */
export async function startSortIndexWorker(boss: PgBoss, db: Db, settings: SettingsService): Promise<void> {
  // One job per field at a time, however many processes ask.
  await boss.createQueue(sortIndexQueue, { policy: 'stately' });
  await boss.work<SortIndexJob>(sortIndexQueue, async ([job]) => {
    if (job) await buildSortIndex(db, settings, job.data);
  });
  send = (job) => boss.send(sortIndexQueue, job, { singletonKey: `${job.module}.${job.field}` });
  asked.clear();
}
