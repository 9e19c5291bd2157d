import { type SqlBool, sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { invalid } from '../errors.ts';
import type { Principal } from './authz.ts';
import { columnName, recordsDb } from './fields.ts';
import { getModule } from './modules.ts';
import { containsPattern, decodeCursor, toPage } from './pagination.ts';
import { accessCondition } from './record-access.ts';
import { withDisplay } from './record-display.ts';
import { toRecord } from './record-schema.ts';

export interface RecordListQuery {
  limit: number;
  cursor?: string | undefined;
  sort?: string | undefined;
  columns?: string | undefined;
  q?: string | undefined;
  where?: string | undefined;
}

const textTypes = new Set(['text', 'longText', 'email', 'phone', 'url', 'dropdown']);

/**
 * A page of the records the principal may view. The role scope is part of the WHERE
 * clause, so a record outside it is never fetched.
 */
export async function listRecords(db: Db, principal: Principal, moduleName: string, query: RecordListQuery) {
  const module = await getModule(db, moduleName);
  const visible = await accessCondition(db, principal, moduleName, 'view');
  if (query.where !== undefined) throw invalid('where', 'is not supported yet');
  const descending = (query.sort ?? '-createdAt') === '-createdAt';
  if (!descending && query.sort !== 'createdAt')
    throw invalid('sort', 'only createdAt and -createdAt for now');
  let select = recordsDb(db).selectFrom(module.table).selectAll();
  if (visible) select = select.where(visible);
  if (query.q) {
    const columns = module.fields
      .filter((field) => field.searchable && textTypes.has(field.type) && field.options.multiple !== true)
      .map((field) => sql`${sql.id(columnName(field.name))} ilike ${containsPattern(query.q ?? '')}`);
    if (columns.length === 0) throw invalid('q', 'this module has no searchable fields');
    select = select.where(sql<SqlBool>`(${sql.join(columns, sql` or `)})`);
  }
  const after = decodeCursor(query.cursor, 2);
  if (after) {
    const op = sql.raw(descending ? '<' : '>');
    select = select.where(
      sql<SqlBool>`(created_at, id) ${op} (${String(after[0])}::timestamptz, ${String(after[1])}::uuid)`,
    );
  }
  const direction = descending ? 'desc' : 'asc';
  const rows = await select
    .select(sql<string>`to_json(created_at) #>> '{}'`.as('weft$key'))
    .orderBy('created_at', direction)
    .orderBy('id', direction)
    .limit(query.limit + 1)
    .execute();
  const page = toPage(rows, query.limit, (row) => [String(row['weft$key']), String(row.id)]);
  const wanted = query.columns
    ? new Set(['id', ...query.columns.split(',').map((name) => name.trim())])
    : null;
  if (wanted) {
    for (const name of wanted) {
      if (name !== 'id' && !module.fields.some((field) => field.name === name)) {
        throw invalid('columns', `unknown field "${name}"`);
      }
    }
  }
  const records = page.items.map((row) => {
    const record = toRecord(module, row);
    return wanted ? Object.fromEntries(Object.entries(record).filter(([name]) => wanted.has(name))) : record;
  });
  return { items: await withDisplay(db, module, records), nextCursor: page.nextCursor };
}
