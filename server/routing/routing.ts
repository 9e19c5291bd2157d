/**
 * Lead routing and case distribution: who gets a new record of a module. Called by the
 * records service on create (web leads, API, imports) and by the workflow engine's
 * "assign by lead routing" action, inside the caller's transaction.
 *
 * Fairness: each rotation (a module's round robin, or one custom rule) keeps the last
 * assignee; the next turn goes to the first eligible candidate after it in id order,
 * wrapping around. A user who is unavailable or offline is skipped without shifting anyone
 * else's place, and gets their turn again, in order, when they come back — unlike
 * `turns mod count`, where every change in the eligible set reshuffles who is next.
 *
 * Atomicity: a turn updates the rotation's counter row, which stays locked until the
 * caller's transaction ends, so concurrent routings of one rotation never share a turn
 * (they queue on that row: keep routing transactions short).
 */
import type { RoutingDecision } from '../../schemas/routing.ts';
import type { Db } from '../db/index.ts';
import { SettingsService } from '../platform/settings.ts';
import { CandidatePool, type Candidates } from './routing-candidates.ts';
import { criteriaMatch, routingFacts } from './routing-criteria.ts';

export interface RouteOptions {
  /** The admin's dry run: who would get the records, even with routing off, without taking turns. */
  dryRun?: boolean;
  /**
   * Routing asked for now (a flow's "assign by lead routing"): the module's rules apply, and
   * turns are taken, whether or not the module routes every new record.
   */
  onDemand?: boolean;
  /** The process's settings service (its cache); by default settings are read through `trx`. */
  settings?: SettingsService;
}

type RoutingRecord = Record<string, unknown>;

interface RotationPlan {
  rotation: string;
  candidates: Candidates;
  assigneeType: 'user' | 'group';
  ruleIndex: number | null;
  describe: (turn: number) => string;
}

/** What one record needs: a final answer, or the next turn of a rotation. */
type Plan = { decision: RoutingDecision } | RotationPlan;

const nobody = (reason: string): { decision: RoutingDecision } => ({
  decision: { assignee: null, assigneeType: null, ruleIndex: null, reason },
});

/**
 * Who gets a new record: a user id, a group id (custom rules of kind `groups`), or null
 * (free for all, routing off, nobody eligible), with the reason in words.
 */
export async function routeRecord(
  trx: Db,
  module: string,
  record: RoutingRecord,
  options: RouteOptions = {},
): Promise<RoutingDecision> {
  const [decision] = await routeRecords(trx, module, [record], options);
  return decision as RoutingDecision;
}

/**
 * `routeRecord` for a batch (an import): settings, rules, candidates and presence are read
 * once, and each rotation is locked and advanced once for all its records, in input order.
 */
export async function routeRecords(
  trx: Db,
  module: string,
  records: RoutingRecord[],
  options: RouteOptions = {},
): Promise<RoutingDecision[]> {
  if (records.length === 0) return [];
  const dryRun = options.dryRun === true;
  if (!dryRun && !trx.isTransaction) {
    return trx.transaction().execute((inner) => routeRecords(inner, module, records, options));
  }
  const plan = await plannerFor(trx, module, options);
  const plans: Plan[] = [];
  for (const record of records) plans.push(await plan(record));
  const decisions = await takeTurns(trx, module, plans, dryRun);
  if (!dryRun) return decisions;
  const settings = await trx
    .selectFrom('routingSettings')
    .select('enabled')
    .where('module', '=', module)
    .executeTakeFirst();
  if (!settings || settings.enabled) return decisions;
  return decisions.map((decision) => ({
    ...decision,
    reason: `${decision.reason} (routing is off: new records are not routed until it is enabled)`,
  }));
}

async function plannerFor(
  trx: Db,
  module: string,
  options: RouteOptions,
): Promise<(record: RoutingRecord) => Promise<Plan>> {
  const config = await trx
    .selectFrom('routingSettings')
    .select(['enabled', 'mode', 'onlineOnly', 'whenNobodyOnline', 'userIds', 'singleUserId'])
    .where('module', '=', module)
    .executeTakeFirst();
  const always = (plan: Plan) => async () => plan;
  if (!config) return always(nobody(`routing is not set up for ${module}`));
  if (!config.enabled && !options.dryRun && !options.onDemand)
    return always(nobody(`routing is off for ${module}`));
  const pool = new CandidatePool(trx, config, options.settings ?? new SettingsService(trx));

  switch (config.mode) {
    case 'freeForAll':
      return always(nobody('free for all: left unassigned for anyone to claim'));
    case 'singleUser': {
      const user = await pool.users(config.singleUserId ? [config.singleUserId] : []);
      const [assignee] = user.ids;
      if (!assignee) return always(nobody(`the single user is not eligible${user.note}`));
      return always({
        decision: { assignee, assigneeType: 'user', ruleIndex: null, reason: `single user${user.note}` },
      });
    }
    case 'roundRobin': {
      const users = await pool.users(config.userIds.length > 0 ? config.userIds : null);
      if (users.ids.length === 0) return always(nobody(`round robin: no eligible user${users.note}`));
      return always({
        rotation: '',
        candidates: users,
        assigneeType: 'user',
        ruleIndex: null,
        describe: (turn) => `round robin over ${users.ids.length} users, turn ${turn}${users.note}`,
      });
    }
    default:
      return customRoundRobin(trx, module, pool);
  }
}

/** The first rule (by priority) that matches and has someone eligible decides. */
async function customRoundRobin(
  trx: Db,
  module: string,
  pool: CandidatePool,
): Promise<(record: RoutingRecord) => Promise<Plan>> {
  const rules = await trx
    .selectFrom('routingRules')
    .select(['id', 'criteria', 'kind', 'userIds', 'groupIds'])
    .where('module', '=', module)
    .orderBy('position')
    .execute();
  const candidates = new Map<string, Promise<Candidates>>();
  const candidatesOf = (rule: (typeof rules)[number]) => {
    let found = candidates.get(rule.id);
    if (!found) {
      found =
        rule.kind === 'groups'
          ? pool.groups(rule.groupIds)
          : rule.kind === 'usersInGroups'
            ? pool.members(rule.groupIds)
            : pool.users(rule.userIds);
      candidates.set(rule.id, found);
    }
    return found;
  };

  return async (record) => {
    const passed: string[] = [];
    const facts = await routingFacts(
      trx,
      rules.map((rule) => rule.criteria),
      record.id,
    );
    for (const [index, rule] of rules.entries()) {
      if (!criteriaMatch(rule.criteria, record, facts)) continue;
      const eligible = await candidatesOf(rule);
      if (eligible.ids.length === 0) {
        passed.push(`rules[${index}] matched but nobody was eligible${eligible.note}`);
        continue;
      }
      const what = rule.kind === 'groups' ? 'groups' : 'users';
      return {
        rotation: rule.id,
        candidates: eligible,
        assigneeType: rule.kind === 'groups' ? 'group' : 'user',
        ruleIndex: index,
        describe: (turn) =>
          [
            ...passed,
            `rules[${index}] matched: ${eligible.ids.length} ${what}, turn ${turn}${eligible.note}`,
          ].join('; '),
      };
    }
    return nobody(
      passed.length > 0 ? `${passed.join('; ')}: left unassigned` : 'no rule matched: left unassigned',
    );
  };
}

/**
 * Advances each rotation once for all the plans on it. The upsert creates the counter on
 * first use or locks it; rotations are taken in a fixed order so that two batches never
 * wait on each other's rows.
 */
async function takeTurns(
  trx: Db,
  module: string,
  plans: Plan[],
  dryRun: boolean,
): Promise<RoutingDecision[]> {
  const decisions: (RoutingDecision | undefined)[] = plans.map((plan) =>
    'decision' in plan ? plan.decision : undefined,
  );
  const rotations = new Map<string, { index: number; plan: RotationPlan }[]>();
  plans.forEach((plan, index) => {
    if ('rotation' in plan)
      rotations.set(plan.rotation, [...(rotations.get(plan.rotation) ?? []), { index, plan }]);
  });
  for (const [rotation, waiting] of [...rotations].sort(([x], [y]) => (x < y ? -1 : 1))) {
    const count = waiting.length;
    const row = dryRun
      ? await trx
          .selectFrom('routingCounters')
          .select(['turns', 'lastAssignee'])
          .where('module', '=', module)
          .where('rotation', '=', rotation)
          .executeTakeFirst()
      : await trx
          .insertInto('routingCounters')
          .values({ module, rotation, turns: count })
          .onConflict((oc) =>
            oc.columns(['module', 'rotation']).doUpdateSet((eb) => ({
              turns: eb('routingCounters.turns', '+', count),
              updatedAt: new Date(),
            })),
          )
          .returning(['turns', 'lastAssignee'])
          .executeTakeFirstOrThrow();
    // Every plan of one rotation holds the same candidates (read once per call).
    const ids = waiting[0]?.plan.candidates.ids ?? [];
    const last = row?.lastAssignee;
    const start = Math.max(0, last ? ids.findIndex((id) => id > last) : 0);
    const firstTurn = dryRun ? (row?.turns ?? 0) + 1 : (row?.turns ?? count) - count + 1;
    let assignee = '';
    waiting.forEach(({ index, plan }, k) => {
      assignee = ids[(start + k) % ids.length] ?? '';
      decisions[index] = {
        assignee,
        assigneeType: plan.assigneeType,
        ruleIndex: plan.ruleIndex,
        reason: plan.describe(firstTurn + k),
      };
    });
    if (!dryRun) {
      await trx
        .updateTable('routingCounters')
        .set({ lastAssignee: assignee })
        .where('module', '=', module)
        .where('rotation', '=', rotation)
        .execute();
    }
  }
  return decisions.map((decision) => {
    if (!decision) throw new Error('a routing plan was left without a decision');
    return decision;
  });
}
