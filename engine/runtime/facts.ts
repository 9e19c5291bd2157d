/**
 * Facts for conditions: the runtime's half of `userOnline` / `onList` (engine/core/
 * fact-operators.ts). The core says what a flow's conditions will ask (`factsNeeded`,
 * `factRequest`); this looks the answers up, one query per kind, and hands them to the
 * stepper with the transition they are for. A flow without such conditions costs nothing:
 * no query, the stepper called once as before.
 */
import type { CompiledFlow, RunInput } from '../core/compile.ts';
import { type ConditionContext, type EvaluateOptions, test } from '../core/conditions.ts';
import {
  type ConditionFacts,
  type FactRequest,
  factRequest,
  factsNeeded,
  isEmptyRequest,
  MissingFactsError,
  mergeFacts,
  needsFacts,
  unanswered,
} from '../core/facts.ts';
import {
  advanceRun,
  type Clock,
  type PersistedRun,
  type RunEvent,
  type StepOutcome,
  startRun,
} from '../core/stepper.ts';
import type { FactServices } from './services.ts';

/**
 * Each round answers at least one new question, so this bounds a rule whose questions
 * change with every answer (`userOnline` of a user chosen by `onList`, and so on).
 */
const maxRounds = 8;

/** The answers to a request: who is online among the users, which records are on each list. */
export async function gatherFacts(services: FactServices, request: FactRequest): Promise<ConditionFacts> {
  const facts: ConditionFacts = {};
  if (request.users.length > 0) {
    const online = new Set(await services.presence.onlineAmong(request.users));
    facts.online = Object.fromEntries(request.users.map((user) => [user, online.has(user)]));
  }
  const lists = Object.entries(request.lists).filter(([, records]) => records.length > 0);
  if (lists.length > 0) {
    const answers = await Promise.all(
      lists.map(async ([list, records]) => {
        const members = new Set(await services.lists.membersAmong(list, records));
        return [list, Object.fromEntries(records.map((record) => [record, members.has(record)]))] as const;
      }),
    );
    facts.lists = Object.fromEntries(answers);
  }
  const processes = Object.entries(request.processes ?? {}).filter(([, records]) => records.length > 0);
  if (processes.length > 0) {
    const answers = await Promise.all(
      processes.map(async ([process, records]) => {
        const known = await services.processes.statusAmong(process, records);
        // Every record asked about is answered: one with no stage started maps to {}.
        return [process, Object.fromEntries(records.map((record) => [record, known[record] ?? {}]))] as const;
      }),
    );
    facts.processes = Object.fromEntries(answers);
  }
  return facts;
}

/**
 * Runs `attempt` with the facts `first` asks for, then again with what it reports missing,
 * until it needs nothing more. A question asked twice (facts that do not answer it) ends
 * the loop: the outcome then carries the evaluator's own error.
 */
async function withFacts(
  services: FactServices,
  first: FactRequest,
  attempt: (facts: ConditionFacts) => StepOutcome,
): Promise<StepOutcome> {
  let facts = isEmptyRequest(first) ? {} : await gatherFacts(services, first);
  for (let round = 1; ; round++) {
    const outcome = attempt(facts);
    const missing = outcome.missingFacts && unanswered(outcome.missingFacts, facts);
    if (!missing || isEmptyRequest(missing) || round >= maxRounds) return outcome;
    facts = mergeFacts(facts, await gatherFacts(services, missing));
  }
}

/**
 * The records the flow's templates read through the current record's link fields
 * (`{{record.company.name}}`), loaded for this transition; none for most flows.
 */
async function linkFacts(
  services: FactServices,
  compiled: CompiledFlow,
  record: unknown,
): Promise<ConditionFacts | undefined> {
  if (compiled.links.length === 0 || !services.links || record === null || typeof record !== 'object') return;
  return { links: await services.links.load(record as Record<string, unknown>, compiled.links) };
}

const withLinks = (facts: ConditionFacts, links: ConditionFacts | undefined): ConditionFacts =>
  links ? { ...facts, ...links } : facts;

/** `startRun`, with the facts the conditions it passes through need. */
export async function startRunWithFacts(
  services: FactServices,
  compiled: CompiledFlow,
  input: Omit<RunInput, 'now'>,
  clock: Clock,
): Promise<StepOutcome> {
  const links = await linkFacts(services, compiled, input.record);
  if (!needsFacts(compiled.facts))
    return startRun(compiled, links ? { ...input, facts: links } : input, clock);
  const context = { ...input, now: clock.now().toISOString() } as ConditionContext;
  return withFacts(services, factRequest(compiled.conditions, context), (facts) =>
    startRun(compiled, { ...input, facts: withLinks(facts, links) }, clock),
  );
}

/** `advanceRun`, with the facts the conditions the event leads through need. */
export async function advanceRunWithFacts(
  services: FactServices,
  compiled: CompiledFlow,
  persisted: PersistedRun,
  event: RunEvent,
  clock: Clock,
): Promise<StepOutcome> {
  // Most flows read no link and ask no fact: nothing to gather, and no record to build for it.
  if (compiled.links.length === 0 && !needsFacts(compiled.facts))
    return advanceRun(compiled, persisted, event, clock);
  // The context the event's transition starts from: the step's record and variables applied.
  const before = persisted.context;
  const record =
    event.type !== 'step.done'
      ? before.record
      : event.record !== undefined
        ? event.record
        : event.recordChanges && before.record !== null && typeof before.record === 'object'
          ? { ...(before.record as object), ...event.recordChanges }
          : before.record;
  const links = await linkFacts(services, compiled, record);
  if (!needsFacts(compiled.facts))
    return advanceRun(compiled, persisted, links ? { ...event, facts: links } : event, clock);
  const after = {
    ...before,
    record,
    vars: event.type === 'step.done' && event.vars ? { ...before.vars, ...event.vars } : before.vars,
  } as ConditionContext;
  return withFacts(services, factRequest(compiled.conditions, after), (facts) =>
    advanceRun(compiled, persisted, { ...event, facts: withLinks(facts, links) }, clock),
  );
}

/**
 * A condition outside a run (a trigger's conditions), with the facts it needs. Throws
 * MissingFactsError only if the rule keeps asking new questions past the round limit.
 */
export async function conditionHolds(
  services: FactServices,
  rule: unknown,
  context: Omit<ConditionContext, 'facts'>,
  options: EvaluateOptions = {},
): Promise<boolean> {
  if (!needsFacts(factsNeeded(rule))) return test(rule, context, options);
  let facts = await gatherFacts(services, factRequest(rule, context));
  for (let round = 1; ; round++) {
    try {
      return test(rule, { ...context, facts }, options);
    } catch (error) {
      if (!(error instanceof MissingFactsError) || round >= maxRounds) throw error;
      const missing = unanswered(error.request, facts);
      if (isEmptyRequest(missing)) throw error;
      facts = mergeFacts(facts, await gatherFacts(services, missing));
    }
  }
}
