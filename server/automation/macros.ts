import { type MacroParams, macroAllowed } from '../../engine/nodes/triggers/macro.ts';
import type { Db } from '../db/index.ts';
import type { Principal } from '../platform/authz.ts';
import { notFound } from '../platform/errors.ts';
import { errorSummary } from './executions.ts';

async function publishedMacros(db: Db, module?: string, id?: string) {
  let query = db
    .selectFrom('flows')
    .innerJoin('flowVersions', (join) =>
      join
        .onRef('flowVersions.flowId', '=', 'flows.id')
        .onRef('flowVersions.version', '=', 'flows.publishedVersion'),
    )
    .select(['flows.id', 'flows.name', 'flows.description', 'flows.triggerModule', 'flowVersions.definition'])
    .where('flows.triggerType', '=', 'trigger.macro');
  if (module) query = query.where('flows.triggerModule', '=', module);
  if (id) query = query.where('flows.id', '=', id);
  return query.orderBy('flows.name').execute();
}

/** The published macros a user may run (their roles, or "*"; admins all). */
export async function macrosFor(db: Db, principal: Principal, module?: string) {
  const rows = await publishedMacros(db, module);
  return rows
    .filter((row) => macroAllowed(row.definition.trigger.params as MacroParams, principal))
    .map((row) => ({ id: row.id, name: row.name, description: row.description, module: row.triggerModule }));
}

/** The macro, if this user may run it; otherwise "not found", as for a flow they cannot see. */
export async function macroFlow(db: Db, principal: Principal, id: string) {
  const [row] = await publishedMacros(db, undefined, id);
  if (!row || !macroAllowed(row.definition.trigger.params as MacroParams, principal)) throw notFound('Macro');
  return row;
}

/**
 * A macro run as the user who started it sees it (the record page's macro button shows the
 * result): its status and, when it failed, the message. Only the user who started it (or an
 * admin) may read it, and only while they may still run the macro.
 */
export async function macroRun(db: Db, principal: Principal, runId: string) {
  const run = await db
    .selectFrom('flowRuns')
    .innerJoin('flows', 'flows.id', 'flowRuns.flowId')
    .select([
      'flowRuns.id',
      'flowRuns.flowId',
      'flowRuns.status',
      'flowRuns.error',
      'flowRuns.finishedAt',
      'flowRuns.input',
      'flows.name',
    ])
    .where('flowRuns.id', '=', runId)
    .where('flows.triggerType', '=', 'trigger.macro')
    .executeTakeFirst();
  const startedBy = (run?.input as { user?: { id?: unknown } } | undefined)?.user?.id;
  if (!run || (!principal.isAdmin && startedBy !== principal.id)) throw notFound('Macro run');
  await macroFlow(db, principal, run.flowId);
  return {
    id: run.id,
    macro: run.name,
    status: run.status,
    error: run.error === null ? null : (errorSummary(run.error) ?? 'The macro failed'),
    finishedAt: run.finishedAt,
  };
}
