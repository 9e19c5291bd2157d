/**
 * "Similar solved cases" on a service case: resolved cases ranked by the trigram similarity
 * (pg_trgm) of their subject and description to this case's; only cases the caller may view.
 */
import { type SqlBool, sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { Principal } from '../platform/authz.ts';
import { recordsDb } from '../studio/fields.ts';
import { getModule } from '../studio/modules.ts';
import { accessCondition } from './record-access.ts';
import { getRecord } from './records.ts';

const text = sql`lower(coalesce(name, '') || ' ' || coalesce(description, ''))`;

export async function similarSolvedCases(db: Db, principal: Principal, id: string, limit = 5) {
  const current = await getRecord(db, principal, 'cases', id, { display: false });
  const module = await getModule(db, 'cases');
  const visible = await accessCondition(db, principal, 'cases', 'view');
  const probe = `${current.name ?? ''} ${current.description ?? ''}`.toLowerCase();
  let query = recordsDb(db)
    .selectFrom(module.table)
    .select([
      'id',
      'name',
      'status',
      'resolution',
      sql<number>`similarity(${text}, ${probe})::float`.as('score'),
    ])
    .where('id', '<>', id)
    .where(sql<SqlBool>`status like 'Closed - Resolved%'`)
    .where(sql<SqlBool>`similarity(${text}, ${probe}) > 0.15`);
  if (visible) query = query.where(visible);
  const rows = await query.orderBy('score', 'desc').limit(limit).execute();
  return { items: rows.map((row) => ({ ...row, score: Math.round(Number(row.score) * 100) / 100 })) };
}
