import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { Actor } from '../platform/audit.ts';
import type { NewEvent } from '../platform/events.ts';
import type { SettingsService } from '../platform/settings.ts';
import { type Changes, diff } from '../records/changelog.ts';
import { tagEvents } from '../records/record-bulk-write.ts';
import { routeRecords } from '../routing/routing.ts';
import { recordsDb } from '../studio/fields.ts';
import type { ModuleDefinition } from '../studio/modules.ts';
import { toColumns, toRecord } from '../studio/record-schema.ts';
import { insertNewRecords } from './new-records.ts';

/**
 * The writes of one batch of imported rows, in the caller's transaction: one statement for
 * the new records with their changelog rows, their outbox events and their import_records
 * rows (the same rows `createRecord` writes one by one, built in SQL from the inserted rows:
 * new-records.ts), and an UPDATE per matched record. The outbox rule holds: every write here
 * has its event in the same transaction.
 */

export type Values = Record<string, unknown>;

export type Plan =
  | { kind: 'create'; row: number; values: Values; route: boolean; id?: string }
  | { kind: 'update'; row: number; id: string; before: Values; values: Values };

export interface Writer {
  module: ModuleDefinition;
  actor: Actor & { id: string };
  settings: SettingsService;
  /** Whether the module's flows run for these records: else their events say so (dispatcher.ts skips them). */
  runFlows?: boolean;
  /** The import: the records it creates get their `import_records` rows in the statement that writes them. */
  importId?: string;
}

export interface Written {
  created: string[];
  updated: string[];
  /** Matched records whose values were already the imported ones: nothing written. */
  unchanged: number;
}

interface Change {
  recordId: string;
  action: 'create' | 'update';
  changes: Changes;
}

async function insertCreated(trx: Db, writer: Writer, plans: Extract<Plan, { kind: 'create' }>[]) {
  const { module } = writer;
  const routed = plans.filter((plan) => plan.route);
  // Plans still to route take their turns here, in this transaction (the import job takes a
  // batch's turns before it: import-run.ts' takeTurns).
  const decisions = await routeRecords(
    trx,
    module.name,
    routed.map((plan) => plan.values),
    { settings: writer.settings },
  );
  routed.forEach((plan, index) => {
    plan.values.assignedTo = decisions[index]?.assignee ?? null;
  });
  const rows = plans.map((plan) => ({
    ...toColumns(module, plan.values),
    // Rows matched on id that match nothing keep their id (an all-data import between installations).
    id: plan.id ?? randomUUID(),
    created_by: writer.actor.id,
  }));
  // Rows travel as one JSON parameter, read as the table's row type (jsonb_populate_recordset):
  // no parameter per value to bind and check. A column a row leaves out takes its default, so
  // rows go in one statement per set of columns given (most batches have one or two).
  const byColumns = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const key = Object.keys(row).join(',');
    const group = byColumns.get(key);
    if (group) group.push(row);
    else byColumns.set(key, [row]);
  }
  const created: string[] = [];
  for (const [key, group] of byColumns) {
    // The record, its changelog row and its events (record.created, then a tag.added per tag)
    // are built in SQL from the row as inserted (new-records.ts), and its import_records row
    // goes with them. Unless the import asked for them, its records start no flow
    // (dispatcher.ts skips these).
    const written = await insertNewRecords(trx, {
      module,
      columns: key.split(','),
      rows: JSON.stringify(group),
      actor: writer.actor,
      mark: writer.runFlows ? {} : { importedWithoutFlows: true },
      ...(writer.importId ? { importId: writer.importId } : {}),
    });
    for (const row of written) created.push(String(row.id));
  }
  return created;
}

/** Writes the plans; throws the database's error (a unique violation…) for the caller to isolate. */
export async function writePlans(trx: Db, writer: Writer, plans: Plan[]): Promise<Written> {
  const { module, actor } = writer;
  const changes: Change[] = [];
  const events: NewEvent[] = [];
  const written: Written = { created: [], updated: [], unchanged: 0 };

  const creates = plans.filter((plan) => plan.kind === 'create');
  if (creates.length > 0) written.created.push(...(await insertCreated(trx, writer, creates)));

  for (const plan of plans) {
    if (plan.kind !== 'update') continue;
    // Compared before writing, so that a row equal to its record writes nothing at all.
    if (Object.keys(diff(plan.before, { ...plan.before, ...plan.values })).length === 0) {
      written.unchanged++;
      continue;
    }
    const row = await recordsDb(trx)
      .updateTable(module.table)
      .set({ ...toColumns(module, plan.values), updated_at: sql`now()` })
      .where('id', '=', plan.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const after = toRecord(module, row);
    const changed = diff(plan.before, after);
    changes.push({ recordId: plan.id, action: 'update', changes: changed });
    events.push({
      type: 'record.updated',
      module: module.name,
      recordId: plan.id,
      payload: {
        record: after,
        previous: Object.fromEntries(Object.entries(changed).map(([name, change]) => [name, change.before])),
        changed: Object.keys(changed),
      },
      actorId: null,
    });
    if (changed.tags)
      for (const { type, payload } of tagEvents(plan.before.tags, after.tags))
        events.push({ type, module: module.name, recordId: plan.id, payload, actorId: null });
    written.updated.push(plan.id);
  }

  // The rows travel as one JSON parameter (jsonb_to_recordset): cheaper for both sides than
  // a parameter per value, or arrays of JSON texts that must be escaped and unescaped.
  if (changes.length > 0) {
    await sql`
      insert into changelog (module, record_id, action, changes, actor_id, actor_name)
      select ${module.name}, "recordId", action, changes, ${actor.id}::uuid, ${actor.username}
      from jsonb_to_recordset(${JSON.stringify(changes)}::jsonb) as c("recordId" uuid, action text, changes jsonb)
    `.execute(trx);
  }
  // Unless the import asked for them, its records start no flow (dispatcher.ts skips these).
  if (!writer.runFlows)
    for (const event of events) event.payload = { ...event.payload, importedWithoutFlows: true };
  if (events.length > 0) {
    await sql`
      insert into events (type, module, record_id, payload, actor_id)
      select type, ${module.name}, "recordId", payload, ${actor.id}::uuid
      from jsonb_to_recordset(${JSON.stringify(events)}::jsonb) as e(type text, "recordId" uuid, payload jsonb)
    `.execute(trx);
  }
  return written;
}
