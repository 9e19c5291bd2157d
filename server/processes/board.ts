import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { BoardQuery, FunnelQuery, StageRecordsQuery } from '../../schemas/processes.ts';
import type { Db } from '../db/index.ts';
import type { Principal } from '../platform/authz.ts';
import { invalid } from '../platform/errors.ts';
import { accessCondition } from '../records/record-access.ts';
import { assigneeNames } from '../records/record-display.ts';
import { columnName, tableOf } from '../studio/fields.ts';
import { displayExpression, getModule, type ModuleDefinition } from '../studio/modules.ts';
import { getProcess, type ProcessView } from './processes.ts';

/**
 * The pipeline board and the funnel. The board is one query: each record's column comes
 * from `process_progress.current_stage`, and window functions give every column its count
 * and the sum of the financial field alongside its first cards.
 */

function moduleOf(process: ProcessView, module: string | undefined): string {
  const chosen = module ?? process.financialModule ?? process.modules[0];
  if (!chosen || !process.modules.includes(chosen))
    throw invalid('module', 'is not a module of this process');
  return chosen;
}

function financialColumn(process: ProcessView, module: ModuleDefinition): RawBuilder<number | null> {
  if (process.financialModule !== module.name || !process.financialField) return sql`null::numeric`;
  const field = module.fields.find((candidate) => candidate.name === process.financialField);
  return field ? sql`r.${sql.id(columnName(field.name))}::numeric` : sql`null::numeric`;
}

async function filters(
  db: Db,
  principal: Principal,
  module: string,
  query: { assignedTo?: string | undefined; from?: string | undefined; to?: string | undefined },
  dateColumn: RawBuilder<unknown>,
): Promise<RawBuilder<SqlBool>[]> {
  const parts: RawBuilder<SqlBool>[] = [];
  const visible = await accessCondition(db, principal, module, 'view');
  // Unqualified columns of the access condition name the record table's (`r`'s) columns.
  if (visible)
    parts.push(
      sql<SqlBool>`exists (select 1 from ${sql.table(tableOf(module))} where id = r.id and ${visible})`,
    );
  if (query.assignedTo) parts.push(sql<SqlBool>`r.assigned_to = ${query.assignedTo}`);
  if (query.from) parts.push(sql<SqlBool>`${dateColumn} >= ${query.from}`);
  if (query.to) parts.push(sql<SqlBool>`${dateColumn} <= ${query.to}`);
  return parts;
}

const and = (parts: RawBuilder<SqlBool>[]) =>
  parts.length === 0 ? sql`` : sql`and ${sql.join(parts, sql` and `)}`;

export interface BoardCard {
  id: string;
  name: string;
  assignedTo: string | null;
  assignedToName: string | null;
  value: number | null;
  updatedAt: string;
}

export interface BoardColumn {
  stageId: string;
  name: string;
  count: number;
  total: number | null;
  cards: BoardCard[];
}

export async function board(db: Db, principal: Principal, processId: string, query: BoardQuery) {
  const process = await getProcess(db, processId);
  const module = await getModule(db, moduleOf(process, query.module));
  const limit = query.limit ?? 50;
  const where = await filters(db, principal, module.name, query, sql`p.updated_at`);
  const { rows } = await sql<{
    id: string;
    stageColumn: string;
    name: string | null;
    assignedTo: string | null;
    value: string | null;
    updatedAt: Date;
    count: string;
    total: string | null;
    n: string;
  }>`select * from (
      select r.id, p.current_stage as stage_column, ${displayExpression(module)} as name, r.assigned_to,
        ${financialColumn(process, module)} as value, p.updated_at,
        count(*) over w as count, sum(${financialColumn(process, module)}) over w as total,
        row_number() over (partition by p.current_stage order by p.updated_at desc, r.id) as n
      from process_progress p join ${sql.table(tableOf(module.name))} r on r.id = p.record_id
      where p.process_id = ${process.id} and p.module = ${module.name} and p.current_stage is not null ${and(where)}
      window w as (partition by p.current_stage)) cards
    where n <= ${limit}`.execute(db);
  const names = await assigneeNames(db, [
    ...new Set(rows.map((row) => row.assignedTo).filter((id): id is string => !!id)),
  ]);
  const columns: BoardColumn[] = [
    ...process.stages.map((stage) => ({ stageId: stage.id, name: stage.name })),
    { stageId: 'completed', name: 'Completed' },
  ].map((column) => ({ ...column, count: 0, total: null, cards: [] }));
  const byId = new Map(columns.map((column) => [column.stageId, column]));
  for (const row of rows) {
    const column = byId.get(row.stageColumn);
    if (!column) continue;
    column.count = Number(row.count);
    column.total = row.total === null ? null : Number(row.total);
    column.cards.push({
      id: row.id,
      name: row.name ?? row.id,
      assignedTo: row.assignedTo,
      assignedToName: row.assignedTo ? (names.get(row.assignedTo) ?? null) : null,
      value: row.value === null ? null : Number(row.value),
      updatedAt: new Date(row.updatedAt).toISOString(),
    });
  }
  return {
    process: {
      id: process.id,
      name: process.name,
      color: process.color,
      financialField: process.financialField,
    },
    module: module.name,
    columns,
  };
}

/**
 * Records that reached each stage (started or completed it) in the date range, by when they
 * started it, and the conversion from each stage to the next.
 */
export async function funnel(db: Db, principal: Principal, processId: string, query: FunnelQuery) {
  const process = await getProcess(db, processId);
  const module = await getModule(db, moduleOf(process, query.module));
  const where = await filters(db, principal, module.name, query, sql`s.started_at`);
  const { rows } = await sql<{ stageId: string; reached: string; completed: string; total: string | null }>`
    select s.stage_id, count(*) as reached, count(*) filter (where s.status = 'completed') as completed,
      sum(${financialColumn(process, module)}) as total
    from process_stage_states s join ${sql.table(tableOf(module.name))} r on r.id = s.record_id
    where s.process_id = ${process.id} and s.module = ${module.name} ${and(where)}
    group by s.stage_id`.execute(db);
  const byStage = new Map(rows.map((row) => [row.stageId, row]));
  const stages = process.stages.map((stage) => {
    const row = byStage.get(stage.id);
    return {
      stageId: stage.id,
      name: stage.name,
      reached: Number(row?.reached ?? 0),
      completed: Number(row?.completed ?? 0),
      total: row?.total == null ? null : Number(row.total),
      conversionRate: stage.conversionRate,
    };
  });
  return {
    process: { id: process.id, name: process.name },
    module: module.name,
    stages: stages.map((stage, index) => {
      const next = stages[index + 1];
      return { ...stage, conversion: next && stage.reached > 0 ? next.reached / stage.reached : null };
    }),
  };
}

/** The records of one stage (the funnel's click): reached, started, completed, or on the board there. */
export async function stageRecords(
  db: Db,
  principal: Principal,
  processId: string,
  stageId: string,
  query: StageRecordsQuery,
) {
  const process = await getProcess(db, processId);
  if (!process.stages.some((stage) => stage.id === stageId))
    throw invalid('stageId', 'is not a stage of this process');
  const module = await getModule(db, moduleOf(process, query.module));
  const where = await filters(db, principal, module.name, query, sql`s.started_at`);
  const status = query.status ?? 'reached';
  const which =
    status === 'current'
      ? sql`and exists (select 1 from process_progress p where p.process_id = s.process_id and p.record_id = s.record_id and p.current_stage = ${stageId})`
      : status === 'reached'
        ? sql``
        : sql`and s.status = ${status}`;
  const { rows } = await sql<{
    id: string;
    name: string | null;
    status: string;
    startedAt: Date;
    completedAt: Date | null;
    assignedTo: string | null;
  }>`select r.id, ${displayExpression(module)} as name, s.status, s.started_at, s.completed_at, r.assigned_to
    from process_stage_states s join ${sql.table(tableOf(module.name))} r on r.id = s.record_id
    where s.process_id = ${process.id} and s.stage_id = ${stageId} and s.module = ${module.name} ${which} ${and(where)}
    order by s.started_at desc, r.id limit ${query.limit ?? 100}`.execute(db);
  return {
    items: rows.map((row) => ({
      id: row.id,
      name: row.name ?? row.id,
      status: row.status,
      startedAt: new Date(row.startedAt).toISOString(),
      completedAt: row.completedAt ? new Date(row.completedAt).toISOString() : null,
      assignedTo: row.assignedTo,
    })),
    nextCursor: null,
  };
}
