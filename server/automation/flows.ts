import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { importX2crmFlow } from '../../engine/core/import-x2crm.ts';
import type { FlowProblem } from '../../engine/core/validate.ts';
import { validateFlow } from '../../engine/core/validate.ts';
import { catalog, triggers } from '../../engine/nodes/index.ts';
import type { Flow } from '../../schemas/flow.ts';
import type { Db } from '../db/index.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { notFound, WeftError } from '../platform/errors.ts';
import { containsPattern, decodeCursor, toPage } from '../platform/pagination.ts';
import { findModule } from '../studio/modules.ts';
import { referenceProblems } from './flow-references.ts';
import { scheduleProblems } from './periodic.ts';
import { recordShape } from './record-shape.ts';
import {
  bindAnswers,
  bindingProblems,
  bindingsOf,
  importProblems,
  recordImportProblem,
  resolveUsernames,
} from './x2crm-import.ts';

const columns = [
  'flows.id',
  'flows.name',
  'flows.description',
  'flows.active',
  'flows.publishedVersion',
  'flows.triggerType',
  'flows.triggerModule',
  'flows.createdBy',
  'flows.createdAt',
  'flows.updatedAt',
] as const;

/**
 * Whether the draft differs from the live version (its definition is the draft it was
 * published from, plus its number): an active flow's header and the list say so.
 */
const unpublishedChanges = sql<boolean>`coalesce((
  select (v.definition - 'version') is distinct from (flows.draft - 'version')
  from flow_versions v where v.flow_id = flows.id and v.version = flows.published_version
), false)`.as('unpublishedChanges');

export function blankFlow(name: string): Flow {
  return { name, trigger: { type: 'trigger.manual', params: { module: 'contacts' } }, nodes: [], edges: [] };
}

/** Every problem that stops a definition from being published, each with its node. */
export async function problemsOf(db: Db, definition: unknown): Promise<FlowProblem[]> {
  const module = (definition as { trigger?: { params?: { module?: unknown } } } | null)?.trigger?.params
    ?.module;
  const found = typeof module === 'string' ? await findModule(db, module) : undefined;
  const shape = found ? await recordShape(db, found.name) : undefined;
  const problems = validateFlow(
    definition,
    catalog,
    found
      ? {
          recordFields: ['id', 'module', ...found.fields.map((f) => f.name)],
          ...(shape && { recordShape: shape }),
        }
      : {},
  );
  problems.push(...scheduleProblems(definition));
  // References are looked up only in a well-formed flow: past a malformed shape they would echo it.
  if (!problems.some((problem) => problem.code === 'flow.schema'))
    problems.push(...(await referenceProblems(db, definition)));
  // Parity: X2CRM ids and usernames an import could not resolve.
  problems.push(...bindingProblems(definition));
  if (typeof module === 'string' && !found) {
    problems.push({
      code: 'trigger.params',
      nodeId: 'trigger',
      path: '/module',
      message: `module "${module}" does not exist`,
    });
  }
  return problems;
}

async function flowStats(db: Db, ids: string[]) {
  if (ids.length === 0)
    return new Map<
      string,
      { runs: number; failed: number; lastStatus: string | null; lastRunAt: Date | null }
    >();
  const rows = await db
    .selectFrom('flowRuns')
    .select([
      'flowId',
      (eb) => eb.fn.countAll<number>().as('runs'),
      (eb) => eb.fn.countAll<number>().filterWhere('status', '=', 'failed').as('failed'),
      (eb) => eb.fn.max('startedAt').as('lastRunAt'),
      sql<string | null>`(array_agg(status order by started_at desc))[1]`.as('lastStatus'),
    ])
    .where('flowId', 'in', ids)
    .groupBy('flowId')
    .execute();
  return new Map(
    rows.map((row) => [
      row.flowId,
      {
        runs: Number(row.runs),
        failed: Number(row.failed),
        lastStatus: row.lastStatus,
        lastRunAt: row.lastRunAt,
      },
    ]),
  );
}

export async function listFlows(
  db: Db,
  query: { limit: number; cursor?: string | undefined; q?: string | undefined },
) {
  const after = decodeCursor(query.cursor, ['text', 'uuid']);
  let select = db.selectFrom('flows').select([...columns, unpublishedChanges]);
  if (query.q) select = select.where('flows.name', 'ilike', containsPattern(query.q));
  if (after)
    select = select.where((eb) =>
      eb(eb.refTuple('flows.name', 'flows.id'), '>', eb.tuple(String(after[0]), String(after[1]))),
    );
  const rows = await select
    .orderBy('flows.name')
    .orderBy('flows.id')
    .limit(query.limit + 1)
    .execute();
  const page = toPage(rows, query.limit, (row) => [row.name, row.id]);
  const stats = await flowStats(
    db,
    page.items.map((flow) => flow.id),
  );
  return {
    items: page.items.map((flow) => ({
      ...flow,
      stats: stats.get(flow.id) ?? { runs: 0, failed: 0, lastStatus: null, lastRunAt: null },
    })),
    nextCursor: page.nextCursor,
  };
}

export async function getFlow(db: Db, id: string) {
  const flow = await db
    .selectFrom('flows')
    .select([...columns, unpublishedChanges, 'flows.draft', 'flows.webhookSecret'])
    .where('flows.id', '=', id)
    .executeTakeFirst();
  if (!flow) throw notFound('Flow');
  const stats = (await flowStats(db, [id])).get(id) ?? {
    runs: 0,
    failed: 0,
    lastStatus: null,
    lastRunAt: null,
  };
  return { ...flow, stats };
}

export async function createFlow(
  db: Db,
  actor: Actor & { id: string },
  input: { name: string; description?: string; definition?: Flow },
) {
  const draft = { ...(input.definition ?? blankFlow(input.name)), name: input.name };
  const id = await db.transaction().execute(async (trx) => {
    const flow = await trx
      .insertInto('flows')
      .values({
        name: input.name,
        description: input.description ?? null,
        draft: JSON.stringify(draft),
        webhookSecret: randomBytes(24).toString('base64url'),
        createdBy: actor.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(trx, actor, 'flow.create', { type: 'flow', id: flow.id }, { name: input.name });
    return flow.id;
  });
  return getFlow(db, id);
}

export async function updateFlow(
  db: Db,
  actor: Actor,
  id: string,
  patch: { name?: string; description?: string | null },
) {
  await db.transaction().execute(async (trx) => {
    const flow = await trx
      .selectFrom('flows')
      .select('draft')
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!flow) throw notFound('Flow');
    const draft = patch.name ? { ...flow.draft, name: patch.name } : flow.draft;
    await trx
      .updateTable('flows')
      .set({ ...patch, draft: JSON.stringify(draft), updatedAt: new Date() })
      .where('id', '=', id)
      .execute();
    await audit(trx, actor, 'flow.update', { type: 'flow', id }, { fields: Object.keys(patch) });
  });
  return getFlow(db, id);
}

/** A draft may have problems (it is work in progress); they are answered with it. */
export async function saveDraft(db: Db, id: string, definition: Flow) {
  const result = await db
    .updateTable('flows')
    .set({ draft: JSON.stringify(definition), name: definition.name, updatedAt: new Date() })
    .where('id', '=', id)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound('Flow');
  return {
    flow: await getFlow(db, id),
    problems: [...(await problemsOf(db, definition)), ...(await importProblems(db, id, definition))],
  };
}

/** Publishes the draft as the next immutable version, unless static validation finds problems. */
export async function publishFlow(db: Db, actor: Actor & { id: string }, id: string) {
  return db.transaction().execute(async (trx) => {
    const flow = await trx
      .selectFrom('flows')
      .select(['draft', 'publishedVersion'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!flow) throw notFound('Flow');
    const problems = [...(await problemsOf(trx, flow.draft)), ...(await importProblems(trx, id, flow.draft))];
    if (problems.length > 0) {
      throw new WeftError(
        'FLOW_INVALID',
        `The flow has ${problems.length} problem(s); fix them before publishing`,
        problems,
      );
    }
    const version = (flow.publishedVersion ?? 0) + 1;
    await trx
      .insertInto('flowVersions')
      .values({
        flowId: id,
        version,
        definition: JSON.stringify({ ...flow.draft, version }),
        publishedBy: actor.id,
      })
      .execute();
    const trigger = triggers.find((candidate) => candidate.type === flow.draft.trigger.type);
    await trx
      .updateTable('flows')
      .set({
        publishedVersion: version,
        triggerType: flow.draft.trigger.type,
        triggerModule: trigger ? trigger.moduleOf(flow.draft.trigger.params) : null,
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .execute();
    await trx.deleteFrom('flowImportProblems').where('flowId', '=', id).execute();
    await audit(trx, actor, 'flow.publish', { type: 'flow', id }, { version });
    return { version };
  });
}

export async function setActive(db: Db, actor: Actor, id: string, active: boolean) {
  await db.transaction().execute(async (trx) => {
    const flow = await trx
      .selectFrom('flows')
      .select('publishedVersion')
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!flow) throw notFound('Flow');
    if (active && flow.publishedVersion === null)
      throw new WeftError('UNPROCESSABLE', 'Publish the flow before activating it');
    await trx
      .updateTable('flows')
      .set({ active, updatedAt: new Date(), ...(!active && { deactivatedAt: new Date() }) })
      .where('id', '=', id)
      .execute();
    await audit(trx, actor, active ? 'flow.activate' : 'flow.deactivate', { type: 'flow', id });
  });
  return getFlow(db, id);
}

export async function listVersions(db: Db, id: string) {
  await getFlow(db, id);
  return db
    .selectFrom('flowVersions')
    .select(['version', 'publishedAt', 'publishedBy', 'definition'])
    .where('flowId', '=', id)
    .orderBy('version', 'desc')
    .execute();
}

export async function deleteFlow(db: Db, actor: Actor, id: string) {
  await db.transaction().execute(async (trx) => {
    const result = await trx.deleteFrom('flows').where('id', '=', id).executeTakeFirst();
    if (result.numDeletedRows === 0n) throw notFound('Flow');
    await audit(trx, actor, 'flow.delete', { type: 'flow', id });
  });
}

/**
 * Imports a Weft flow file or an X2CRM flow file (recognised by its `items`). The flow is
 * created inactive, as a draft; what could not be mapped is listed, never dropped silently.
 */
export async function importFlow(db: Db, actor: Actor & { id: string }, file: unknown) {
  const isX2crm = typeof file === 'object' && file !== null && 'items' in file && 'trigger' in file;
  if (isX2crm) {
    const imported = importX2crmFlow(file);
    // Parity: usernames become the ids of the Weft users with those usernames.
    const { definition: flow, notFound } = await resolveUsernames(db, imported.flow);
    const created = await createFlow(db, actor, { name: flow.name, definition: flow });
    if (imported.problem)
      await recordImportProblem(db, created.id, imported.problem.message, imported.problem.kind);
    return {
      flow: created,
      unmapped: imported.unmapped,
      usersNotFound: notFound,
      bindings: bindingsOf(flow),
      // Processes: X2CRM process and stage numbers, bound by choosing a Weft process and stage on the node.
      processBindings: imported.bindings,
      problems: [...(await problemsOf(db, flow)), ...(await importProblems(db, created.id, flow))],
    };
  }
  const definition = (file as { definition?: unknown } | null)?.definition ?? file;
  const problems = await problemsOf(db, definition);
  if (problems.some((problem) => problem.code === 'flow.schema')) {
    throw new WeftError('VALIDATION', 'The file is neither a Weft flow nor an X2CRM flow', problems);
  }
  const flow = definition as Flow;
  const created = await createFlow(db, actor, { name: flow.name, definition: flow });
  return {
    flow: created,
    unmapped: [],
    usersNotFound: [],
    bindings: bindingsOf(flow),
    processBindings: [],
    problems,
  };
}

/** The X2CRM references an imported draft still needs bound, and its import problems. */
export async function flowBindings(db: Db, id: string) {
  const flow = await db.selectFrom('flows').select('draft').where('id', '=', id).executeTakeFirst();
  if (!flow) throw notFound('Flow');
  return { bindings: bindingsOf(flow.draft), importProblems: await importProblems(db, id, flow.draft) };
}

/** Binds X2CRM references in the draft to Weft ids (`{"x2crm:list:12": "<list id>"}`). */
export async function bindFlow(db: Db, actor: Actor, id: string, values: Record<string, string>) {
  const definition = await db.transaction().execute(async (trx) => {
    const flow = await trx
      .selectFrom('flows')
      .select('draft')
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!flow) throw notFound('Flow');
    const bound = await bindAnswers(trx, flow.draft, values);
    await trx
      .updateTable('flows')
      .set({ draft: JSON.stringify(bound), updatedAt: new Date() })
      .where('id', '=', id)
      .execute();
    await audit(trx, actor, 'flow.bind', { type: 'flow', id }, { refs: Object.keys(values) });
    return bound;
  });
  return { ...(await flowBindings(db, id)), problems: await problemsOf(db, definition) };
}
