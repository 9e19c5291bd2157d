import { Readable } from 'node:stream';
import { type SqlBool, sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { type Principal, requireAdmin } from '../platform/authz.ts';
import { hiddenFields, visibleQueryFields } from '../records/field-access.ts';
import { accessCondition } from '../records/record-access.ts';
import { queryFieldsOf } from '../records/record-list.ts';
import { parseWhere } from '../records/record-query.ts';
import { columnName, isMultiple, recordsDb } from '../studio/fields.ts';
import { type FieldDefinition, getModule, listModules } from '../studio/modules.ts';
import { listText } from './import-values.ts';

/**
 * CSV export of a module: the records the caller may view, optionally filtered by
 * `where`, read in keyset batches in creation order and written as they come, so memory holds one
 * batch whatever the module's size. The header is the field names: a file exported from
 * Weft (or X2CRM) imports back without a mapping.
 */

const defaultBatchSize = 5000;

/**
 * RFC 4180: a cell holding a quote, a comma or a line break is quoted, its quotes doubled.
 * Written here rather than with csv-stringify, which measured about 25,000 rows/s for a
 * contact's 28 columns: the whole of the export's budget, for what is one regex per cell.
 */
const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
export const csvLines = (rows: string[][]) =>
  `${rows.map((row) => row.map((cell) => quote(formulaSafe(cell))).join(',')).join('\r\n')}\r\n`;

const formulaStart = /^'*[=+\-@\t\r]/;
const plainNumber = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * CSV formula injection (OWASP): a cell a spreadsheet would run as a formula — starting with
 * `=`, `+`, `-`, `@`, tab or CR — is written with a leading `'`, which spreadsheets show as
 * text. A plain number (`-5`, `+1.5e3`) is left alone: it is no formula. A value that already
 * starts with quotes before such a character gets one more, so that the importer, which takes
 * one leading `'` off such a cell (`unescapeFormula`), reads back exactly what was exported.
 */
export function formulaSafe(cell: string): string {
  return formulaStart.test(cell) && !plainNumber.test(cell) ? `'${cell}` : cell;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Each column's value as the API shows it (what `toRecord` returns), written as text. Per
 * field and once per export: reading 100,000 rows through `toRecord` (an object per row,
 * column names derived per cell) costs as much as the rest of the export together. The
 * round-trip test (export, re-import, nothing changes) holds the two to the same values.
 */
function cellWriter(field: FieldDefinition): (value: unknown) => string {
  const write = (() => {
    if (isMultiple(field)) return (value: unknown) => listText(value as unknown[]);
    switch (field.type) {
      case 'number':
      case 'currency':
      case 'percentage':
        return (value: unknown) => String(Number(value));
      case 'date':
        // pg reads a `date` as local midnight: its local calendar day is the stored day.
        return (value: unknown) =>
          value instanceof Date
            ? `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`
            : String(value);
      case 'dateTime':
        return (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));
      default:
        return (value: unknown) => String(value);
    }
  })();
  return (value) => (value === null || value === undefined ? '' : write(value));
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
  const filter = parseWhere(where, visibleQueryFields(principal, moduleName, queryFieldsOf(module)));
  // Fields hidden from the caller's roles are not exported.
  const hidden = hiddenFields(principal, moduleName);
  const exported = module.fields.filter((field) => !hidden.has(field.name));
  const names = ['id', ...exported.map((field) => field.name)];
  const columns = ['id', ...exported.map((field) => columnName(field.name))];
  const writers = [(value: unknown) => String(value), ...exported.map(cellWriter)];
  async function* chunks() {
    yield csvLines([names]);
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
        yield csvLines(
          rows.map((row) => columns.map((column, index) => writers[index]?.(row[column]) ?? '')),
        );
      if (rows.length < batchSize) return;
      const end = rows.at(-1);
      last = { createdAt: String(end?.weft$created), id: String(end?.id) };
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
