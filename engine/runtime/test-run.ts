import { sql } from 'kysely';
import type { Flow } from '../../schemas/flow.ts';
import { compile, type RunInput, runData } from '../core/compile.ts';
import type { NodeCatalog } from '../core/node-types.ts';
import type { Clock, RunEvent } from '../core/stepper.ts';
import { runAction } from './action-call.ts';
import { toStepError } from './errors.ts';
import { advanceRunWithFacts, startRunWithFacts } from './facts.ts';
import { stepDone } from './run-rows.ts';
import type { RunInfo } from './runtime.ts';
import { compileOptions, type TemplateSettings } from './runtime-core.ts';
import { servicesOf } from './services.ts';
import type { EngineDb } from './tables.ts';

export interface TestStep {
  nodeId: string;
  nodeType: string;
  input: unknown;
  output?: unknown;
  error?: unknown;
  /** What a test run did differently from a real one here. */
  note?: string;
}

export interface TestRunResult {
  status: 'succeeded' | 'failed' | 'running' | 'waiting';
  /** The nodes entered, in order. */
  path: string[];
  steps: TestStep[];
  output?: unknown;
  failure?: unknown;
}

/**
 * The nodes the run went through, in flow order: the steps it entered, and the control
 * nodes (branches, splits, joins) that led to one of them.
 */
export function pathTaken(flow: Flow, entered: Set<string>): string[] {
  const next = new Map<string, string[]>();
  for (const edge of flow.edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  const leadsToEntered = new Map<string, boolean>();
  const leads = (id: string, seen = new Set<string>()): boolean => {
    if (entered.has(id)) return true;
    if (seen.has(id)) return false;
    seen.add(id);
    const known = leadsToEntered.get(id);
    if (known !== undefined) return known;
    const result = (next.get(id) ?? []).some((target) => leads(target, seen));
    leadsToEntered.set(id, result);
    return result;
  };
  const path: string[] = [];
  const queue = [...(next.get('trigger') ?? [])];
  const visited = new Set<string>();
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (visited.has(id)) continue;
    visited.add(id);
    if (!leads(id)) continue;
    path.push(id);
    queue.push(...(next.get(id) ?? []));
  }
  return path;
}

/** More steps than this is a loop the test should not follow further. */
const maxSteps = 500;

/**
 * Runs a draft against a record synchronously, inside the caller's transaction, which
 * the caller rolls back: every write is undone, and services capture email and HTTP
 * instead of sending. Waits are skipped and called flows are not run; retries do not
 * apply. Each step has a savepoint, so one failing step leaves the transaction usable.
 */
export async function testRun(
  deps: {
    catalog: NodeCatalog;
    clock: Clock;
    services: (trx: EngineDb, run: RunInfo) => unknown | Promise<unknown>;
    /** The workspace's time zone and formats for templates. */
    templateFormats?: () => TemplateSettings | undefined;
  },
  trx: EngineDb,
  flowId: string,
  definition: Flow,
  input: Omit<RunInput, 'now'>,
): Promise<TestRunResult> {
  const compiled = compile(definition, deps.catalog, compileOptions(definition, deps.templateFormats?.()));
  const services = await deps.services(trx, {
    runId: 'test-run',
    flowId,
    eventId: null,
    depth: 0,
    test: true,
  });
  const facts = servicesOf({ services });
  let outcome = await startRunWithFacts(facts, compiled, input, deps.clock);
  const pending = [...outcome.actions];
  const steps: TestStep[] = [];
  while (pending.length > 0 && steps.length < maxSteps) {
    const action = pending.shift();
    if (!action) break;
    let event: RunEvent;
    if (action.type === 'runStep') {
      const definition = deps.catalog.get(action.nodeType);
      const step: TestStep = { nodeId: action.nodeId, nodeType: action.nodeType, input: action.params };
      steps.push(step);
      await sql`savepoint test_step`.execute(trx);
      try {
        if (definition?.kind !== 'action') throw new Error(`unknown action type "${action.nodeType}"`);
        const output = await runAction(
          definition,
          {
            runId: 'test-run',
            nodeId: action.nodeId,
            attempt: 1,
            idempotencyKey: `test:${action.nodeId}:${action.iteration}`,
            record: outcome.snapshot.context.record,
            data: runData(outcome.snapshot.context),
            services,
            now: deps.clock.now(),
          },
          action.params,
        );
        await sql`release savepoint test_step`.execute(trx);
        step.output = output;
        event = stepDone(definition, action.nodeId, output);
      } catch (error) {
        await sql`rollback to savepoint test_step`.execute(trx);
        step.error = toStepError(error);
        event = { type: 'step.failed', nodeId: action.nodeId, error: step.error };
      }
    } else if (action.type === 'scheduleWait') {
      steps.push({
        nodeId: action.nodeId,
        nodeType: 'control.wait',
        input: { until: action.until },
        note: 'skipped: a test run does not wait',
      });
      event = { type: 'wait.elapsed', nodeId: action.nodeId };
    } else {
      steps.push({
        nodeId: action.nodeId,
        nodeType: 'control.callFlow',
        input: action.input,
        output: null,
        note: 'not called: a test run does not start other flows',
      });
      event = { type: 'step.done', nodeId: action.nodeId, output: null };
    }
    outcome = await advanceRunWithFacts(facts, compiled, outcome.snapshot, event, deps.clock);
    pending.push(...outcome.actions);
  }
  return {
    status: outcome.status === 'done' ? 'succeeded' : outcome.status,
    path: pathTaken(definition, new Set(Object.keys(outcome.snapshot.context.visits))),
    steps,
    ...(outcome.output !== undefined && { output: outcome.output }),
    ...(outcome.failure !== undefined && { failure: outcome.failure }),
  };
}
