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

const quote = 34;
const comma = 44;
const cr = 13;
const lf = 10;

/**
 * The common CSV — comma-separated, records ending in LF or CRLF throughout, quotes only
 * around whole fields — read with native string scans: about five times faster than
 * csv-parse, which was a third of an import's CPU in Weft (it reads each file twice: on
 * upload and in the job). Anything else (a bare CR, line endings that change, a quote inside
 * a field, a quote left open, text after a closing quote) answers null and the file goes to
 * csv-parse, whose reading and error messages stay the reference: where this answers, it
 * answers what csv-parse with the options below does (test/import-csv.test.ts compares them
 * on random files).
 */
export function parseSimpleCsv(text: string, limit: number): string[][] | null {
  const rows: string[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  /** 0: not known yet (the first record's end says), 1: LF, 2: CRLF. */
  let ending = 0;
  /** The next quote at or after i (n: none), found again only once passed. */
  let nextQuote = -1;
  while (i < n && rows.length < limit) {
    const newline = text.indexOf('\n', i);
    const lineEnd = newline === -1 ? n : newline;
    if (nextQuote < i) {
      nextQuote = text.indexOf('"', i);
      if (nextQuote === -1) nextQuote = n;
    }
    if (nextQuote >= lineEnd) {
      // A record without quotes: the line, split at its commas.
      let end = lineEnd;
      if (newline !== -1) {
        const crlf = lineEnd > i && text.charCodeAt(lineEnd - 1) === cr;
        if (ending === 0) ending = crlf ? 2 : 1;
        else if ((ending === 2) !== crlf) return null;
        if (crlf) end--;
      }
      const line = text.slice(i, end);
      if (line.indexOf('\r') !== -1) return null;
      if (line !== '') rows.push(line.split(','));
      i = lineEnd + 1;
      continue;
    }
    // A record with quotes, field by field (it may run over several lines).
    const record: string[] = [];
    let j = i;
    for (;;) {
      if (text.charCodeAt(j) === quote) {
        let value = '';
        let k = j + 1;
        for (;;) {
          const q = text.indexOf('"', k);
          if (q === -1) return null;
          if (text.charCodeAt(q + 1) === quote) {
            value += text.slice(k, q + 1);
            k = q + 2;
            continue;
          }
          value += text.slice(k, q);
          j = q + 1;
          break;
        }
        record.push(value);
      } else {
        let k = j;
        for (; k < n; k++) {
          const c = text.charCodeAt(k);
          if (c === comma || c === lf || c === cr) break;
          if (c === quote) return null;
        }
        record.push(text.slice(j, k));
        j = k;
      }
      if (j >= n) {
        i = n;
        break;
      }
      const c = text.charCodeAt(j);
      if (c === comma) {
        j++;
        continue;
      }
      let length = 0;
      if (c === cr && text.charCodeAt(j + 1) === lf) length = 2;
      else if (c === lf) length = 1;
      if (length === 0) return null;
      if (ending === 0) ending = length;
      else if (ending !== length) return null;
      i = j + length;
      break;
    }
    rows.push(record);
  }
  return rows;
}

async function parseCsv(data: Buffer, limit: number): Promise<string[][]> {
  const simple = parseSimpleCsv(data.toString('utf8'), limit);
  if (simple) return simple;
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
