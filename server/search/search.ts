/**
 * One search box for the whole app (Ctrl+K): records of every module the user may view,
 * named by their display fields (through the records service, so role scopes apply), and,
 * for administrators, flows by name. Each group is small: this finds, the lists filter.
 */
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { type Principal, scopeFor } from '../platform/authz.ts';
import { containsPattern } from '../platform/pagination.ts';
import { listRecords } from '../records/record-list.ts';
import { listModules } from '../studio/modules.ts';

export interface SearchHit {
  kind: 'record' | 'flow';
  id: string;
  name: string;
  /** For a record: its module's name and label. */
  module?: string;
  moduleLabel?: string;
}

export async function search(
  db: Db,
  principal: Principal,
  q: string,
  perGroup: number,
): Promise<SearchHit[]> {
  const modules = (await listModules(db)).filter(
    (module) => module.visible && module.searchable && scopeFor(principal, module.name, 'view') !== 'none',
  );
  const groups = await Promise.all(
    modules.map(async (module) => {
      const page = await listRecords(db, principal, module.name, { q, limit: perGroup });
      return page.items.map((row): SearchHit => {
        const values = row as Record<string, unknown>;
        const name = module.displayFields
          .map((field) => values[field])
          .filter((value) => value !== null && value !== undefined && value !== '')
          .join(' ');
        return {
          kind: 'record',
          id: String(values.id),
          name: name || `Unnamed ${module.itemName.toLowerCase()}`,
          module: module.name,
          moduleLabel: module.label,
        };
      });
    }),
  );
  const hits = groups.flat();
  if (principal.isAdmin) {
    const flows = await db
      .selectFrom('flows')
      .select(['id', 'name'])
      .where('name', 'ilike', containsPattern(q))
      .orderBy(sql`lower(name)`)
      .limit(perGroup)
      .execute();
    hits.push(...flows.map((flow): SearchHit => ({ kind: 'flow', id: flow.id, name: flow.name })));
  }
  return hits;
}
