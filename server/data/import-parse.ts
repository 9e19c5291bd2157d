import { parse } from 'csv-parse';
import type ExcelJS from 'exceljs';
import { invalid } from '../platform/errors.ts';

/**
 * Uploaded files as a table of strings: CSV through csv-parse, XLSX (first worksheet)
 * through exceljs. Every cell becomes text so that one coercion path (import-values.ts)
 * serves both formats.
 */

export type FileFormat = 'csv' | 'xlsx';

export const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const csvTypes = ['text/csv', 'application/csv'];

export interface Table {
  header: string[];
  rows: string[][];
}

export function formatOf(contentType: string | undefined): FileFormat {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === xlsxType) return 'xlsx';
  if (csvTypes.includes(type)) return 'csv';
  throw invalid('content-type', `must be text/csv or ${xlsxType}`);
}

async function parseCsv(data: Buffer, limit: number): Promise<string[][]> {
  const rows: string[][] = [];
  const parser = parse(data, {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    to: limit === Number.POSITIVE_INFINITY ? -1 : limit,
  });
  try {
    for await (const record of parser) rows.push(record as string[]);
  } catch (error) {
    throw invalid('file', `is not valid CSV: ${(error as Error).message}`);
  }
  return rows;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Spreadsheet dates are UTC; a midnight one is a calendar day. */
function dateText(date: Date): string {
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  return date.getUTCHours() + date.getUTCMinutes() + date.getUTCSeconds() === 0 ? day : date.toISOString();
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return dateText(value);
  if (typeof value !== 'object') return String(value);
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('formula' in value || 'sharedFormula' in value) return cellText(value.result as ExcelJS.CellValue);
  if ('hyperlink' in value) return String(value.text);
  if ('error' in value) return '';
  return String(value);
}

async function parseXlsx(data: Buffer, limit: number): Promise<string[][]> {
  // Loaded on the first workbook, not at start: exceljs alone holds about 10 MB resident (issue 19).
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  try {
    // exceljs types its input as its own `Buffer` (an ArrayBuffer) but reads Node's.
    await workbook.xlsx.load(data as unknown as ExcelJS.Buffer);
  } catch (error) {
    throw invalid('file', `is not a valid XLSX workbook: ${(error as Error).message}`);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw invalid('file', 'has no worksheet');
  const rows: string[][] = [];
  const width = sheet.columnCount;
  sheet.eachRow((row) => {
    if (rows.length >= limit) return;
    const cells: string[] = [];
    for (let column = 1; column <= width; column++) cells.push(cellText(row.getCell(column).value));
    if (cells.some((cell) => cell !== '')) rows.push(cells);
  });
  return rows;
}

/** The header and the data rows (at most `limit` of them). */
export async function readTable(
  data: Buffer,
  format: FileFormat,
  limit = Number.POSITIVE_INFINITY,
): Promise<Table> {
  const all = format === 'csv' ? await parseCsv(data, limit + 1) : await parseXlsx(data, limit + 1);
  const [header, ...rows] = all;
  if (!header || header.every((name) => name.trim() === '')) throw invalid('file', 'has no header row');
  const names = header.map((name) => name.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (name !== '' && seen.has(name)) throw invalid('file', `has the column "${name}" twice`);
    seen.add(name);
  }
  return { header: names, rows };
}
