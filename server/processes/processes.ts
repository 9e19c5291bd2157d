import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ProcessDefinition } from '../../engine/core/process-machine.ts';
import type { ProcessInput, ProcessPatch, Stage, StageInput } from '../../schemas/processes.ts';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { conflict, invalid, notFound } from '../platform/errors.ts';
import { findModule } from '../studio/modules.ts';

/**
 * Process definitions: a name, the modules it applies to (and which it is the default of),
 * an optional financial field, and the ordered stages, each with a stable id. Editing the
 * stages (reorder, add, remove) keeps each record's progress, which is keyed by stage id.
 */

export interface ProcessView {
  id: string;
  name: string;
  description: string | null;
  modules: string[];
  defaultFor: string[];
  color: string | null;
  financialModule: string | null;
  financialField: string | null;
  stages: Stage[];
  createdAt: Date;
  updatedAt: Date;
}

const numericTypes = new Set(['number', 'currency', 'percentage']);

const columns = [
  'id',
  'name',
  'description',
  'modules',
  'defaultFor',
  'color',
  'financialModule',
  'financialField',
  'stages',
  'createdAt',
  'updatedAt',
] as const;

const toView = (row: Record<string, unknown>) => row as unknown as ProcessView;

export async function listProcesses(db: Db, query: { module?: string | undefined } = {}) {
  let select = db.selectFrom('processes').select(columns).orderBy('name');
  if (query.module) select = select.where(sql<boolean>`${query.module} = any(modules)`);
  return { items: (await select.execute()).map(toView), nextCursor: null };
}

export async function getProcess(db: Db, id: string): Promise<ProcessView> {
  const row = await db.selectFrom('processes').select(columns).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`Process ${id}`);
  return toView(row);
}

/** The definition the process machine is compiled from. */
export function machineDefinition(process: Pick<ProcessView, 'id' | 'stages'>): ProcessDefinition {
  return {
    id: process.id,
    stages: process.stages.map((stage) => ({
      id: stage.id,
      name: stage.name,
      requirePrevious: stage.requirePrevious,
      requireComment: stage.requireComment,
      roles: stage.roles,
    })),
  };
}

/** Stages as stored: ids kept or given, defaults filled, references checked. */
async function normalizeStages(db: Db, input: StageInput[]): Promise<Stage[]> {
  const stages: Stage[] = input.map((stage) => ({
    id: stage.id ?? randomUUID().slice(0, 8),
    name: stage.name,
    description: stage.description ?? null,
    conversionRate: stage.conversionRate ?? null,
    value: stage.value ?? null,
    requirePrevious: (stage.requirePrevious ?? 'none') as Stage['requirePrevious'],
    requireComment: stage.requireComment ?? false,
    roles: [...(stage.roles ?? [])],
  }));
  const ids = stages.map((stage) => stage.id);
  for (const [index, stage] of stages.entries()) {
    if (ids.indexOf(stage.id) !== index) throw invalid(`stages/${index}/id`, 'is used by another stage');
    const need = stage.requirePrevious;
    if (typeof need === 'object') {
      const at = ids.indexOf(need.stageId);
      if (at < 0 || at >= index)
        throw invalid(`stages/${index}/requirePrevious`, 'must name an earlier stage of this process');
    }
  }
  const roleIds = [...new Set(stages.flatMap((stage) => stage.roles))];
  if (roleIds.length > 0) {
    const found = await db.selectFrom('roles').select('id').where('id', 'in', roleIds).execute();
    const known = new Set(found.map((role) => role.id));
    const index = stages.findIndex((stage) => stage.roles.some((role) => !known.has(role)));
    if (index >= 0) throw invalid(`stages/${index}/roles`, 'names a role that does not exist');
  }
  return stages;
}

async function checkShape(db: Db, process: Omit<ProcessView, 'id' | 'stages' | 'createdAt' | 'updatedAt'>) {
  for (const [index, module] of process.modules.entries()) {
    if (!(await findModule(db, module))) throw invalid(`modules/${index}`, 'is not a module');
  }
  for (const [index, module] of process.defaultFor.entries()) {
    if (!process.modules.includes(module)) throw invalid(`defaultFor/${index}`, 'must be one of the modules');
  }
  if ((process.financialModule === null) !== (process.financialField === null))
    throw invalid('financialField', 'goes with financialModule: give both or neither');
  if (process.financialModule && process.financialField) {
    if (!process.modules.includes(process.financialModule))
      throw invalid('financialModule', 'must be one of the modules');
    const module = await findModule(db, process.financialModule);
    const field = module?.fields.find((candidate) => candidate.name === process.financialField);
    if (!field || !numericTypes.has(field.type))
      throw invalid('financialField', 'must be a number, currency or percentage field of the module');
  }
}

function uniqueName(error: unknown): Error | undefined {
  const { code } = error as { code?: string };
  return code === '23505' ? conflict('name', 'is already the name of a process') : undefined;
}

/** Another process stops being the default of the modules this one now is the default of. */
async function takeDefaults(trx: Db, id: string, modules: string[]) {
  if (modules.length === 0) return;
  await sql`update processes set default_for = array(select unnest(default_for) except select unnest(${modules}::text[]))
    where id <> ${id} and default_for && ${modules}::text[]`.execute(trx);
}

export async function createProcess(db: Db, actor: Actor, input: ProcessInput): Promise<ProcessView> {
  const stages = await normalizeStages(db, input.stages as StageInput[]);
  const shape = {
    name: input.name,
    description: input.description ?? null,
    modules: [...input.modules],
    defaultFor: [...(input.defaultFor ?? [])],
    color: input.color ?? null,
    financialModule: input.financialModule ?? null,
    financialField: input.financialField ?? null,
  };
  await checkShape(db, shape);
  try {
    return await inTransaction(db, async (trx) => {
      const row = await trx
        .insertInto('processes')
        .values({ ...shape, stages: JSON.stringify(stages), createdBy: actor.id })
        .returning(columns)
        .executeTakeFirstOrThrow();
      await takeDefaults(trx, row.id, shape.defaultFor);
      await audit(trx, actor, 'process.create', { type: 'process', id: row.id }, { name: row.name });
      return toView(row);
    });
  } catch (error) {
    throw uniqueName(error) ?? error;
  }
}

export async function updateProcess(
  db: Db,
  actor: Actor,
  id: string,
  patch: ProcessPatch,
): Promise<ProcessView> {
  try {
    return await inTransaction(db, async (trx) => {
      const current = await trx
        .selectFrom('processes')
        .select(columns)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!current) throw notFound(`Process ${id}`);
      const before = toView(current);
      const stages = patch.stages ? await normalizeStages(trx, patch.stages as StageInput[]) : before.stages;
      const shape = {
        name: patch.name ?? before.name,
        description: patch.description !== undefined ? patch.description : before.description,
        modules: patch.modules ? [...patch.modules] : before.modules,
        defaultFor: patch.defaultFor
          ? [...patch.defaultFor]
          : before.defaultFor.filter((m) => (patch.modules ?? before.modules).includes(m)),
        color: patch.color !== undefined ? patch.color : before.color,
        financialModule: patch.financialModule !== undefined ? patch.financialModule : before.financialModule,
        financialField: patch.financialField !== undefined ? patch.financialField : before.financialField,
      };
      await checkShape(trx, shape);
      const row = await trx
        .updateTable('processes')
        .set({ ...shape, stages: JSON.stringify(stages), updatedAt: sql`now()` })
        .where('id', '=', id)
        .returning(columns)
        .executeTakeFirstOrThrow();
      await takeDefaults(trx, id, shape.defaultFor);
      if (patch.stages) await reconcileStages(trx, id, stages);
      await audit(trx, actor, 'process.update', { type: 'process', id }, { name: row.name });
      return toView(row);
    });
  } catch (error) {
    throw uniqueName(error) ?? error;
  }
}

/**
 * After the stages changed: rows of removed stages go, and each record's column on the
 * board is worked out again under the new order (by stage id; progress itself is untouched).
 */
async function reconcileStages(trx: Db, processId: string, stages: Stage[]) {
  const ids = stages.map((stage) => stage.id);
  await trx
    .deleteFrom('processStageStates')
    .where('processId', '=', processId)
    .where(sql<boolean>`not (stage_id = any(${ids}::text[]))`)
    .execute();
  await sql`update process_progress p set current_stage = coalesce(
      (select s.stage_id from process_stage_states s
        join unnest(${ids}::text[]) with ordinality o(id, ord) on o.id = s.stage_id
        where s.process_id = p.process_id and s.record_id = p.record_id and s.status = 'started'
        order by o.ord limit 1),
      (select 'completed' where (select count(*) from process_stage_states s
        where s.process_id = p.process_id and s.record_id = p.record_id and s.status = 'completed') = ${ids.length}),
      (select s.stage_id from process_stage_states s
        join unnest(${ids}::text[]) with ordinality o(id, ord) on o.id = s.stage_id
        where s.process_id = p.process_id and s.record_id = p.record_id and s.status = 'completed'
        order by o.ord desc limit 1))
    where p.process_id = ${processId}`.execute(trx);
}

export async function deleteProcess(db: Db, actor: Actor, id: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const row = await trx.deleteFrom('processes').where('id', '=', id).returning(['name']).executeTakeFirst();
    if (!row) throw notFound(`Process ${id}`);
    await audit(trx, actor, 'process.delete', { type: 'process', id }, { name: row.name });
  });
}
