import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { type SqlBool, sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { type Principal, requireAdmin } from './authz.ts';
import { recordsDb } from './fields.ts';
import { listText } from './import-values.ts';
import { getModule, listModules } from './modules.ts';
import { accessCondition } from './record-access.ts';
import { queryFieldsOf } from './record-list.ts';
import { parseWhere } from './record-query.ts';
import { toRecord } from './record-schema.ts';

/**
 * CSV export of a module: the records the caller may view, optionally filtered by
 * `where`, read in keyset batches in creation order and written as they come, so memory holds one
 * batch whatever the module's size. The header is the field names: a file exported from
 * Weft (or X2CRM) imports back without a mapping.
 */

const defaultBatchSize = 5000;

function cellOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return listText(value);
  return String(value);
}

export interface CsvExport {
  fileName: string;
  body: Readable;
}

/** Checks everything that can be refused before the first byte, then streams. */
export async function exportModule(
  db: Db,
  principal: Principal,
  moduleName: string,
  where: string | undefined,
  { batchSize = defaultBatchSize }: { batchSize?: number } = {},
): Promise<CsvExport> {
  const module = await getModule(db, moduleName);
  const visible = await accessCondition(db, principal, moduleName, 'view');
  const filter = parseWhere(where, queryFieldsOf(module));
  const names = ['id', ...module.fields.map((field) => field.name)];
  async function* chunks() {
    yield stringify([names]);
    let last: { createdAt: string; id: string } | null = null;
    for (;;) {
      // Creation order reads the table about as it lies on disk (ids are random). The key is
      // carried as text: a Date would drop the timestamp's microseconds.
      let select = recordsDb(db)
        .selectFrom(module.table)
        .selectAll()
        .select(sql<string>`to_json(created_at) #>> '{}'`.as('weft$created'))
        .orderBy('created_at')
        .orderBy('id')
        .limit(batchSize);
      if (visible) select = select.where(visible);
      if (filter) select = select.where(filter);
      if (last !== null)
        select = select.where(
          sql<SqlBool>`(created_at, id) > (${last.createdAt}::timestamptz, ${last.id}::uuid)`,
        );
      const rows = await select.execute();
      if (rows.length > 0)
        yield stringify(
          rows.map((row) => {
            const record = toRecord(module, row);
            return names.map((name) => cellOf(record[name]));
          }),
        );
      if (rows.length < batchSize) return;
      const end = rows.at(-1);
      last = { createdAt: String(end?.['weft$created']), id: String(end?.id) };
    }
  }
  const day = new Date().toISOString().slice(0, 10);
  return { fileName: `${moduleName}-${day}.csv`, body: Readable.from(chunks()) };
}

/** "All data": one CSV per module, listed with its link (no zip library is installed). */
export async function exportIndex(db: Db, principal: Principal) {
  requireAdmin(principal);
  const modules = await listModules(db);
  return {
    items: modules.map((module) => ({
      module: module.name,
      label: module.label,
      url: `/api/exports/${module.name}`,
    })),
  };
}
