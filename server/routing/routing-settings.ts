import { sql } from 'kysely';
import type { RoutingSettingsInput, RoutingSettingsView } from '../../schemas/routing.ts';
import type { Db } from '../db/index.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { type FieldProblem, notFound, WeftError } from '../platform/errors.ts';
import { findModule } from '../studio/modules.ts';
import { criteriaProblems } from './routing-criteria.ts';

const defaults = {
  enabled: false,
  mode: 'freeForAll',
  onlineOnly: false,
  whenNobodyOnline: 'anyAvailable',
  userIds: [],
  singleUserId: null,
  rules: [],
  updatedAt: null,
} as const;

/** Routing exists for every module, standard or custom, and for nothing else. */
export async function requireModule(db: Db, module: string): Promise<void> {
  if (!(await findModule(db, module))) throw notFound(`Module ${module}`);
}

/** A module's routing settings and rules; a module never set up answers the defaults (free for all, off). */
export async function getRoutingSettings(db: Db, module: string): Promise<RoutingSettingsView> {
  await requireModule(db, module);
  const row = await db
    .selectFrom('routingSettings')
    .select([
      'module',
      'enabled',
      'mode',
      'onlineOnly',
      'whenNobodyOnline',
      'userIds',
      'singleUserId',
      'updatedAt',
    ])
    .where('module', '=', module)
    .executeTakeFirst();
  if (!row) return { ...defaults, module, userIds: [], rules: [] };
  const rules = await db
    .selectFrom('routingRules')
    .select(['id', 'criteria', 'kind', 'userIds', 'groupIds'])
    .where('module', '=', module)
    .orderBy('position')
    .execute();
  return { ...row, rules };
}

/** Every module whose routing was set up, by name. */
export async function listRoutingSettings(db: Db): Promise<RoutingSettingsView[]> {
  const modules = await db.selectFrom('routingSettings').select('module').orderBy('module').execute();
  return Promise.all(modules.map((row) => getRoutingSettings(db, row.module)));
}

/** Everything wrong with the input at once, each problem naming its field (`rules.2.criteria`). */
async function problemsOf(trx: Db, module: string, input: RoutingSettingsInput): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const users = new Map<string, string[]>();
  const groups = new Map<string, string[]>();
  const cite = (map: Map<string, string[]>, id: string, field: string) =>
    map.set(id.toLowerCase(), [...(map.get(id.toLowerCase()) ?? []), field]);

  if (input.mode === 'singleUser' && !input.singleUserId)
    problems.push({ field: 'singleUserId', reason: 'is required when mode is singleUser' });
  if (input.singleUserId) cite(users, input.singleUserId, 'singleUserId');
  (input.userIds ?? []).forEach((id, i) => {
    cite(users, id, `userIds.${i}`);
  });

  const rules = input.rules ?? [];
  const known = new Set(
    rules.some((rule) => rule.id)
      ? (await trx.selectFrom('routingRules').select('id').where('module', '=', module).execute()).map(
          (row) => row.id,
        )
      : [],
  );
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    const at = `rules.${i}`;
    for (const reason of criteriaProblems(rule.criteria)) problems.push({ field: `${at}.criteria`, reason });
    if (rule.id) {
      const id = rule.id.toLowerCase();
      if (!known.has(id)) problems.push({ field: `${at}.id`, reason: `is not a rule of ${module}` });
      if (seen.has(id)) problems.push({ field: `${at}.id`, reason: 'appears twice' });
      seen.add(id);
    }
    const userIds = rule.userIds ?? [];
    const groupIds = rule.groupIds ?? [];
    if (rule.kind === 'users') {
      if (userIds.length === 0)
        problems.push({ field: `${at}.userIds`, reason: 'must name a user for kind users' });
      if (groupIds.length > 0)
        problems.push({ field: `${at}.groupIds`, reason: 'is not used by kind users' });
    } else {
      if (groupIds.length === 0)
        problems.push({ field: `${at}.groupIds`, reason: `must name a group for kind ${rule.kind}` });
      if (userIds.length > 0)
        problems.push({ field: `${at}.userIds`, reason: `is not used by kind ${rule.kind}` });
    }
    userIds.forEach((id, j) => {
      cite(users, id, `${at}.userIds.${j}`);
    });
    groupIds.forEach((id, j) => {
      cite(groups, id, `${at}.groupIds.${j}`);
    });
  });

  const missing = async (table: 'users' | 'groups', cited: Map<string, string[]>, reason: string) => {
    if (cited.size === 0) return;
    const found = await trx
      .selectFrom(table)
      .select('id')
      .where('id', 'in', [...cited.keys()])
      .execute();
    const existing = new Set(found.map((row) => row.id));
    for (const [id, fields] of cited) {
      if (!existing.has(id)) for (const field of fields) problems.push({ field, reason });
    }
  };
  await missing('users', users, 'is not an existing user');
  await missing('groups', groups, 'is not an existing group');
  return problems;
}

/**
 * Replaces a module's routing settings and rules. Rules sent back with their id keep their
 * rotation (and so their place in it); rules left out lose theirs.
 */
export async function saveRoutingSettings(
  db: Db,
  actor: Actor,
  module: string,
  input: RoutingSettingsInput,
): Promise<RoutingSettingsView> {
  await requireModule(db, module);
  await db.transaction().execute(async (trx) => {
    const settings = {
      enabled: input.enabled,
      mode: input.mode,
      onlineOnly: input.onlineOnly ?? false,
      whenNobodyOnline: input.whenNobodyOnline ?? 'anyAvailable',
      userIds: input.userIds ?? [],
      singleUserId: input.singleUserId ?? null,
      updatedAt: new Date(),
    };
    // Upsert first: the row lock serialises concurrent saves of one module.
    await trx
      .insertInto('routingSettings')
      .values({ module, ...settings })
      .onConflict((oc) => oc.column('module').doUpdateSet(settings))
      .execute();
    const problems = await problemsOf(trx, module, input);
    if (problems.length > 0) {
      const message = problems.map((problem) => `${problem.field} ${problem.reason}`).join('; ');
      throw new WeftError('VALIDATION', message, problems);
    }
    const rules = input.rules ?? [];
    await trx.deleteFrom('routingRules').where('module', '=', module).execute();
    const kept = rules.length
      ? await trx
          .insertInto('routingRules')
          .values(
            rules.map((rule, position) => ({
              ...(rule.id && { id: rule.id }),
              module,
              position,
              criteria: JSON.stringify(rule.criteria),
              kind: rule.kind,
              userIds: rule.userIds ?? [],
              groupIds: rule.groupIds ?? [],
            })),
          )
          .returning('id')
          .execute()
      : [];
    // Rotations of rules that are gone; '' is the module's own round robin, always kept.
    await trx
      .deleteFrom('routingCounters')
      .where('module', '=', module)
      .where('rotation', 'not in', ['', ...kept.map((row) => row.id)])
      .execute();
    await audit(
      trx,
      actor,
      'routing.update',
      { type: 'routing', id: module },
      {
        enabled: settings.enabled,
        mode: settings.mode,
        onlineOnly: settings.onlineOnly,
        whenNobodyOnline: settings.whenNobodyOnline,
        userIds: settings.userIds,
        singleUserId: settings.singleUserId,
        rules: rules.length,
      },
    );
  });
  return getRoutingSettings(db, module);
}

/**
 * Deleting a user hands their place in routing to the user who inherits their records:
 * the single user, round robin lists and rule user lists name the heir instead.
 */
export async function reassignRoutingTargets(trx: Db, fromUserId: string, toUserId: string): Promise<number> {
  const replaced = sql<
    string[]
  >`array(select distinct unnest(array_replace(user_ids, ${fromUserId}::uuid, ${toUserId}::uuid)))`;
  const settings = await trx
    .updateTable('routingSettings')
    .set({
      userIds: replaced,
      singleUserId: sql<
        string | null
      >`case when single_user_id = ${fromUserId}::uuid then ${toUserId}::uuid else single_user_id end`,
    })
    .where((eb) =>
      eb.or([eb('singleUserId', '=', fromUserId), eb(sql`${fromUserId}::uuid`, '=', eb.fn.any('userIds'))]),
    )
    .executeTakeFirst();
  const rules = await trx
    .updateTable('routingRules')
    .set({ userIds: replaced })
    .where((eb) => eb(sql`${fromUserId}::uuid`, '=', eb.fn.any('userIds')))
    .executeTakeFirst();
  return Number(settings.numUpdatedRows) + Number(rules.numUpdatedRows);
}
