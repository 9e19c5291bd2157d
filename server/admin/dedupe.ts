/**
 * Duplicate detection (X2CRM's "mass dedupe"): groups of a module's records that are likely
 * the same — the same email (case-insensitive), the same phone (its last ten digits), or names
 * similar by PostgreSQL trigram similarity (pg_trgm, enabled by migration 0002). Pairs are
 * joined into groups (a record in two pairs puts both in one group).
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { WeftError } from '../platform/errors.ts';
import { columnName, recordsDb } from '../studio/fields.ts';
import { displayExpression, getModule, type ModuleDefinition } from '../studio/modules.ts';

export type DedupeRule = 'email' | 'phone' | 'name';

export interface DuplicateGroup {
  rules: DedupeRule[];
  /** The highest name similarity in the group (1 for exact matches). */
  score: number;
  records: Array<{ id: string; name: string }>;
}

function fieldOfType(module: ModuleDefinition, type: string): string | undefined {
  return module.fields.find((field) => field.type === type)?.name;
}

/** The pairs of ids one rule finds, with a score. */
async function pairsFor(
  db: Db,
  module: ModuleDefinition,
  rule: DedupeRule,
  threshold: number,
): Promise<Array<{ a: string; b: string; score: number }>> {
  const table = sql.table(module.table);
  if (rule === 'name') {
    const name = displayExpression(module);
    // The threshold is set for this transaction only; `%` uses it (and a trigram index if any).
    return db.transaction().execute(async (trx) => {
      await sql`select set_config('pg_trgm.similarity_threshold', ${String(threshold)}, true)`.execute(trx);
      const { rows } = await sql<{ a: string; b: string; score: number }>`
        with named as (select id, lower(${name}) as name from ${table} where ${name} is not null)
        select x.id as a, y.id as b, similarity(x.name, y.name)::float as score
        from named x join named y on x.id < y.id and x.name % y.name
        order by score desc limit 2000`.execute(trx);
      return rows;
    });
  }
  const field = rule === 'email' ? fieldOfType(module, 'email') : fieldOfType(module, 'phone');
  if (!field) return [];
  const column = sql.id(columnName(field));
  const key =
    rule === 'email'
      ? sql`lower(trim(${column}))`
      : sql`right(regexp_replace(${column}, '[^0-9]', '', 'g'), 10)`;
  const { rows } = await sql<{ ids: string[] }>`
    select array_agg(id order by created_at) as ids from ${table}
    where ${column} is not null and ${key} <> ''
    group by ${key} having count(*) > 1 limit 1000`.execute(recordsDb(db));
  return rows.flatMap((row) => row.ids.slice(1).map((b) => ({ a: row.ids[0] as string, b, score: 1 })));
}

export async function findDuplicates(
  db: Db,
  moduleName: string,
  rules: DedupeRule[],
  threshold: number,
): Promise<{ items: DuplicateGroup[] }> {
  const module = await getModule(db, moduleName);
  if (rules.length === 0)
    throw new WeftError('VALIDATION', 'Choose at least one rule', [{ field: 'rules', reason: 'is empty' }]);
  // Union-find over every pair any rule found.
  const parent = new Map<string, string>();
  const root = (id: string): string => {
    const up = parent.get(id) ?? id;
    if (up === id) return id;
    const top = root(up);
    parent.set(id, top);
    return top;
  };
  const ruleOf = new Map<string, Set<DedupeRule>>();
  const scoreOf = new Map<string, number>();
  for (const rule of rules) {
    for (const pair of await pairsFor(db, module, rule, threshold)) {
      parent.set(root(pair.a), root(pair.b));
      for (const id of [pair.a, pair.b]) {
        ruleOf.set(id, (ruleOf.get(id) ?? new Set()).add(rule));
        scoreOf.set(id, Math.max(scoreOf.get(id) ?? 0, pair.score));
      }
    }
  }
  const groups = new Map<string, string[]>();
  for (const id of ruleOf.keys()) groups.set(root(id), [...(groups.get(root(id)) ?? []), id]);
  const ids = [...ruleOf.keys()];
  const names = new Map<string, string>();
  if (ids.length > 0) {
    const rows = await recordsDb(db)
      .selectFrom(module.table)
      .select(['id', displayExpression(module).as('name')])
      .where('id', 'in', ids)
      .execute();
    for (const row of rows) names.set(String(row.id), String(row.name ?? row.id));
  }
  const items = [...groups.values()]
    .map((members) => ({
      rules: [...new Set(members.flatMap((id) => [...(ruleOf.get(id) ?? [])]))].sort(),
      score: Math.max(...members.map((id) => scoreOf.get(id) ?? 0)),
      records: members
        .map((id) => ({ id, name: names.get(id) ?? id }))
        .sort((x, y) => x.name.localeCompare(y.name)),
    }))
    .sort((x, y) => y.score - x.score || x.records[0]?.name.localeCompare(y.records[0]?.name ?? '') || 0);
  return { items };
}

/**
 * X2CRM's "locate missing records": records no non-admin user can reach through ownership —
 * assigned to nobody, or to a user who is inactive or gone, or to a group that no longer exists.
 */
export async function missingRecords(db: Db, moduleName: string) {
  const module = await getModule(db, moduleName);
  const { rows } = await sql<{ id: string; name: string | null; assignedTo: string | null; reason: string }>`
    select r.id, r.weft$name as name, r.assigned_to as "assignedTo",
      case when r.assigned_to is null then 'assigned to nobody'
           when u.id is not null then 'assigned to an inactive user'
           else 'assigned to a user or group that no longer exists' end as reason
    from (select *, ${displayExpression(module)} as weft$name from ${sql.table(module.table)}) r
    left join users u on u.id = r.assigned_to
    left join groups g on g.id = r.assigned_to
    where r.assigned_to is null or (g.id is null and (u.id is null or not u.active))
    order by r.created_at limit 1000`.execute(db);
  return { items: rows.map((row) => ({ ...row, name: row.name ?? row.id })) };
}
