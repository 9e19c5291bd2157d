import type { FieldType } from '../../schemas/modules.ts';
import { invalid } from '../platform/errors.ts';
import { isMultiple } from '../studio/fields.ts';
import type { FieldDefinition } from '../studio/modules.ts';

/**
 * From cells to field values: which column feeds which field (the mapping), and each
 * cell's text as the value the API would take. What the text cannot say (a bad number,
 * a date that is no date) is the row's error; everything else is left to the module's
 * validator, as for any write.
 */

/** What a column may map to: a field by name, with its label for matching headers. */
export interface Target {
  name: string;
  label: string;
  type: FieldType;
  required: boolean;
  /** A list (tags, a multiple dropdown): never a key. */
  multiple?: boolean;
}

export type Mapping = Record<string, string | null>;

const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Each header mapped to the field whose name or label it matches, ignoring case, spaces
 * and punctuation (X2CRM and Weft exports use field names, people's files labels).
 * `id` maps to itself: it is a key, never a written value.
 */
export function suggestMapping(header: string[], targets: Target[]): Mapping {
  const byName = new Map<string, string>([['id', 'id']]);
  for (const target of targets) byName.set(squash(target.label), target.name);
  // Names win over labels ("Account" is the label of `company`, and a field's name elsewhere).
  for (const target of targets) byName.set(squash(target.name), target.name);
  const taken = new Set<string>();
  const mapping: Mapping = {};
  for (const column of header) {
    if (column === '') continue;
    const name = byName.get(squash(column));
    mapping[column] = name !== undefined && !taken.has(name) ? name : null;
    if (name !== undefined) taken.add(name);
  }
  return mapping;
}

/** A mapping given by the caller: known columns, known writable fields, no field twice. */
export function checkMapping(mapping: unknown, header: string[], targets: Target[]): Mapping {
  if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping))
    throw invalid('mapping', 'must be a JSON object of column → field name');
  const names = new Set(['id', ...targets.map((target) => target.name)]);
  const used = new Set<string>();
  const checked: Mapping = {};
  for (const [column, field] of Object.entries(mapping)) {
    if (!header.includes(column))
      throw invalid('mapping', `names the column "${column}", which the file lacks`);
    if (field === null) {
      checked[column] = null;
      continue;
    }
    if (typeof field !== 'string' || !names.has(field))
      throw invalid('mapping', `maps "${column}" to "${String(field)}", which is no writable field`);
    if (used.has(field)) throw invalid('mapping', `maps two columns to "${field}"`);
    used.add(field);
    checked[column] = field;
  }
  return checked;
}

/** A cell whose text cannot be the field's value. */
export class BadCell extends Error {}

/**
 * A link cell that is not a record id: the linked record's name (or email), looked up per
 * batch (import-rows.ts) among the target module's records.
 */
export class LinkName {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const dayPattern = /^\d{4}-\d{2}-\d{2}$/;
const truthy = new Set(['true', '1', 'yes', 'y', 'on']);
const falsy = new Set(['false', '0', 'no', 'n', 'off']);
const pad = (n: number) => String(n).padStart(2, '0');

export function list(text: string): string[] {
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return [...new Set(parsed.map(String))];
    } catch {
      // Not JSON after all: a comma-separated list that starts with a bracket.
    }
  }
  return [
    ...new Set(
      text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    ),
  ];
}

/** Lists are written comma-separated, or as a JSON array when an item holds a comma. */
export function listText(items: readonly unknown[]): string {
  const texts = items.map(String);
  return texts.some((item) => item.includes(',') || item.startsWith('['))
    ? JSON.stringify(texts)
    : texts.join(', ');
}

/**
 * A cell that an export escaped against formula injection (`exports.ts`, `formulaSafe`: a
 * `'` before `=`, `+`, `-`, `@`, tab or CR) reads back without that quote.
 */
export function unescapeFormula(text: string): string {
  // Only a cell that starts with a quote can be one (checked first: this runs for every cell).
  return text.charCodeAt(0) === 39 && /^'+[=+\-@\t\r]/.test(text) ? text.slice(1) : text;
}

/**
 * The value of a non-empty cell for a field. `names` resolves assignees given by
 * username or group name (lower-cased) to their ids, as X2CRM exports them.
 */
export function cellValue(
  field: Pick<FieldDefinition, 'type' | 'options'>,
  cell: string,
  names: ReadonlyMap<string, string>,
): unknown {
  // PostgreSQL text cannot hold U+0000: the row fails here rather than in SQL.
  if (cell.includes('\u0000')) throw new BadCell('must not contain the NUL character (U+0000)');
  const text = unescapeFormula(cell);
  if (isMultiple(field)) return list(text);
  const trimmed = text.trim();
  switch (field.type) {
    case 'text':
    case 'longText':
      return text;
    case 'number':
    case 'currency':
    case 'percentage':
    case 'rating': {
      const number = Number(trimmed);
      if (!Number.isFinite(number)) throw new BadCell('is not a number');
      return number;
    }
    case 'boolean': {
      const word = trimmed.toLowerCase();
      if (truthy.has(word)) return true;
      if (falsy.has(word)) return false;
      throw new BadCell('is not true or false');
    }
    case 'date': {
      if (dayPattern.test(trimmed)) return trimmed;
      const date = new Date(trimmed);
      if (Number.isNaN(date.getTime())) throw new BadCell('is not a date (YYYY-MM-DD)');
      return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
    }
    case 'dateTime': {
      const date = new Date(trimmed);
      if (Number.isNaN(date.getTime())) throw new BadCell('is not a date and time');
      return date.toISOString();
    }
    case 'link':
      return uuidPattern.test(trimmed) ? trimmed.toLowerCase() : new LinkName(trimmed);
    case 'assignment': {
      if (uuidPattern.test(trimmed)) return trimmed.toLowerCase();
      const id = names.get(trimmed.toLowerCase());
      if (id === undefined) throw new BadCell(`names no user or group ("${trimmed}")`);
      return id;
    }
    default:
      return trimmed;
  }
}
