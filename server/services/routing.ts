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
 */
import { type Selectable, sql } from 'kysely';
import type { RoutingDecision } from '../../schemas/routing.ts';
import type { Db } from '../db/index.ts';
import type { RoutingSettingsTable } from '../db/types.ts';
import { onlineUserIds } from './presence.ts';
import { criteriaMatch } from './routing-criteria.ts';
import { SettingsService } from './settings.ts';

export interface RouteOptions {
  /** The admin's dry run: who would get the record, even with routing off, without taking a turn. */
  dryRun?: boolean;
  /** The process's settings service (its cache); by default settings are read through `trx`. */
  settings?: SettingsService;
}

type Presence = Pick<Selectable<RoutingSettingsTable>, 'onlineOnly' | 'whenNobodyOnline'>;

interface Candidates {
  /** Sorted, so that "after the last assignee" means the same in JS and in PostgreSQL. */
  ids: string[];
  /** Set when presence changed the outcome, for the reason. */
  note: string;
}

const nobody = (reason: string): RoutingDecision => ({
  assignee: null,
  assigneeType: null,
  ruleIndex: null,
  reason,
});

/**
 * Who gets a new record: a user id, a group id (custom rules of kind `groups`), or null
 * (free for all, routing off, nobody eligible). Takes a turn of the rotation atomically:
 * the counter row stays locked until the caller's transaction ends, so concurrent routings
 * of the same rotation never share a turn.
 */
export async function routeRecord(
  trx: Db,
  module: string,
  record: Record<string, unknown>,
  options: RouteOptions = {},
): Promise<RoutingDecision> {
  const config = await trx
    .selectFrom('routingSettings')
    .select(['module', 'enabled', 'mode', 'onlineOnly', 'whenNobodyOnline', 'userIds', 'singleUserId'])
    .where('module', '=', module)
    .executeTakeFirst();
  if (!config) return nobody(`routing is not set up for ${module}`);
  if (!config.enabled && !options.dryRun) return nobody(`routing is off for ${module}`);
  const pool = new CandidatePool(trx, config, options.settings ?? new SettingsService(trx));
  const dryRun = options.dryRun === true;

  switch (config.mode) {
    case 'freeForAll':
      return nobody('free for all: left unassigned for anyone to claim');
    case 'singleUser': {
      const user = config.singleUserId ? await pool.users([config.singleUserId]) : { ids: [], note: '' };
      const [assignee] = user.ids;
      if (!assignee) return nobody(`the single user is not eligible${user.note}`);
      return { assignee, assigneeType: 'user', ruleIndex: null, reason: `single user${user.note}` };
    }
    case 'roundRobin': {
      const users = await pool.users(config.userIds.length > 0 ? config.userIds : null);
      if (users.ids.length === 0) return nobody(`round robin: no eligible user${users.note}`);
      const turn = await takeTurn(trx, module, '', users.ids, dryRun);
      return {
        assignee: turn.assignee,
        assigneeType: 'user',
        ruleIndex: null,
        reason: `round robin over ${users.ids.length} users, turn ${turn.turns}${users.note}`,
      };
    }
    default:
      return customRoundRobin(trx, pool, module, record, dryRun);
  }
}

/** The first rule (by priority) that matches and has someone eligible decides. */
async function customRoundRobin(
  trx: Db,
  pool: CandidatePool,
  module: string,
  record: Record<string, unknown>,
  dryRun: boolean,
): Promise<RoutingDecision> {
  const rules = await trx
    .selectFrom('routingRules')
    .select(['id', 'criteria', 'kind', 'userIds', 'groupIds'])
    .where('module', '=', module)
    .orderBy('position')
    .execute();
  const passed: string[] = [];
  for (const [index, rule] of rules.entries()) {
    if (!criteriaMatch(rule.criteria, record)) continue;
    const candidates =
      rule.kind === 'groups'
        ? await pool.groups(rule.groupIds)
        : await pool.users(rule.kind === 'users' ? rule.userIds : await pool.membersOf(rule.groupIds));
    if (candidates.ids.length === 0) {
      passed.push(`rules[${index}] matched but nobody was eligible${candidates.note}`);
      continue;
    }
    const turn = await takeTurn(trx, module, rule.id, candidates.ids, dryRun);
    const what = rule.kind === 'groups' ? 'groups' : 'users';
    return {
      assignee: turn.assignee,
      assigneeType: rule.kind === 'groups' ? 'group' : 'user',
      ruleIndex: index,
      reason: [
        ...passed,
        `rules[${index}] matched: ${candidates.ids.length} ${what}, turn ${turn.turns}${candidates.note}`,
      ].join('; '),
    };
  }
  return nobody(
    passed.length > 0 ? `${passed.join('; ')}: left unassigned` : 'no rule matched: left unassigned',
  );
}

/**
 * One atomic statement: creates the counter on first use, or locks it, and moves the last
 * assignee to the next candidate after it (wrapping to the first).
 */
async function takeTurn(
  trx: Db,
  module: string,
  rotation: string,
  candidates: string[],
  dryRun: boolean,
): Promise<{ assignee: string; turns: number }> {
  const first = candidates[0] as string;
  if (dryRun) {
    const row = await trx
      .selectFrom('routingCounters')
      .select(['turns', 'lastAssignee'])
      .where('module', '=', module)
      .where('rotation', '=', rotation)
      .executeTakeFirst();
    const last = row?.lastAssignee;
    const assignee = (last ? candidates.find((id) => id > last) : undefined) ?? first;
    return { assignee, turns: (row?.turns ?? 0) + 1 };
  }
  const { rows } = await sql<{ turns: number; lastAssignee: string }>`
    insert into routing_counters as counter (module, rotation, turns, last_assignee)
    values (${module}, ${rotation}, 1, ${first})
    on conflict (module, rotation) do update set
      turns = counter.turns + 1,
      updated_at = now(),
      last_assignee = coalesce(
        (select candidate from unnest(${candidates}::uuid[]) as candidate
          where candidate > counter.last_assignee order by candidate limit 1),
        ${first}::uuid)
    returning turns, last_assignee`.execute(trx);
  const row = rows[0] as { turns: number; lastAssignee: string };
  return { assignee: row.lastAssignee, turns: row.turns };
}

/** The eligible users or groups of one routing: active, available, and online when asked. */
class CandidatePool {
  #trx: Db;
  #config: Presence;
  #settings: SettingsService;
  #online: Promise<Set<string>> | undefined;

  constructor(trx: Db, config: Presence, settings: SettingsService) {
    this.#trx = trx;
    this.#config = config;
    this.#settings = settings;
  }

  /** Eligible users among `ids`, or among every user when `ids` is null. */
  async users(ids: string[] | null): Promise<Candidates> {
    if (ids?.length === 0) return { ids: [], note: '' };
    let query = this.#trx
      .selectFrom('users')
      .select('id')
      .where('active', '=', true)
      .where('available', '=', true);
    if (ids) query = query.where('id', 'in', ids);
    const rows = await query.execute();
    return this.#presence(rows.map((row) => ({ id: row.id, members: [row.id] })));
  }

  async membersOf(groupIds: string[]): Promise<string[]> {
    if (groupIds.length === 0) return [];
    const rows = await this.#trx
      .selectFrom('groupMembers')
      .select('userId')
      .distinct()
      .where('groupId', 'in', groupIds)
      .execute();
    return rows.map((row) => row.userId);
  }

  /** A group is eligible when at least one of its members is. */
  async groups(groupIds: string[]): Promise<Candidates> {
    if (groupIds.length === 0) return { ids: [], note: '' };
    const rows = await this.#trx
      .selectFrom('groupMembers')
      .innerJoin('users', 'users.id', 'groupMembers.userId')
      .select(['groupMembers.groupId', 'groupMembers.userId'])
      .where('groupMembers.groupId', 'in', groupIds)
      .where('users.active', '=', true)
      .where('users.available', '=', true)
      .execute();
    const members = new Map<string, string[]>();
    for (const row of rows) members.set(row.groupId, [...(members.get(row.groupId) ?? []), row.userId]);
    return this.#presence([...members].map(([id, userIds]) => ({ id, members: userIds })));
  }

  async #presence(entries: { id: string; members: string[] }[]): Promise<Candidates> {
    const all = entries.map((entry) => entry.id).sort();
    if (!this.#config.onlineOnly || all.length === 0) return { ids: all, note: '' };
    this.#online ??= onlineUserIds(this.#trx, this.#settings).then((ids) => new Set(ids));
    const online = await this.#online;
    const present = entries
      .filter((entry) => entry.members.some((member) => online.has(member)))
      .map((entry) => entry.id)
      .sort();
    if (present.length > 0) return { ids: present, note: '' };
    if (this.#config.whenNobodyOnline === 'anyAvailable') {
      return { ids: all, note: ' (nobody online: any available)' };
    }
    return { ids: [], note: ' (nobody online)' };
  }
}
