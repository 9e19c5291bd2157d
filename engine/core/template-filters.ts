/**
 * The filters templates may use (`{{ record.amount | times: 1.2 | round: 2 }}`). LiquidJS's
 * filters are the model and most names are its own; each is a pure function of the value,
 * its arguments and the workspace's formats (time zone, locale, date and time formats).
 * None calls anything it is given: values are JSON.
 */
import { Drop } from 'liquidjs';
import {
  addToDate,
  dateDifference,
  dateUnit,
  formatDate,
  TemplateValueError,
  toInstant,
} from './template-dates.ts';

export interface TemplateEnvironment {
  timeZone: string;
  locale: string;
  /** strftime formats for `date: "date"`, `date: "time"` and X2CRM's {date} / {time}. */
  dateFormat: string;
  timeFormat: string;
  /** The address Weft is opened at (https://crm.example.com), for `record_url`; absent, links are relative. */
  appUrl?: string;
}

export const defaultEnvironment: TemplateEnvironment = Object.freeze({
  timeZone: 'UTC',
  locale: 'en-US',
  dateFormat: '%Y-%m-%d',
  timeFormat: '%H:%M',
});

export type TemplateFilterFn = (
  value: unknown,
  args: readonly unknown[],
  env: TemplateEnvironment,
) => unknown;

/** Text as templates write it: nothing for null, JSON for lists and objects. */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    if (value instanceof Date) return value.toISOString();
    // A linked record (template-links.ts) is the id its field holds.
    if (value instanceof Drop) return stringify(value.valueOf());
    return JSON.stringify(value);
  }
  return String(value);
}

function number(value: unknown, what = 'the value'): number {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined || value === '') return 0;
  const parsed = typeof value === 'boolean' ? Number(value) : Number(String(value).trim());
  if (Number.isNaN(parsed)) throw new TemplateValueError(`${what} "${stringify(value)}" is not a number`);
  return parsed;
}

function instant(value: unknown, env: TemplateEnvironment): Date {
  const date = toInstant(value);
  if (!date) throw new TemplateValueError(`"${stringify(value)}" is not a date`);
  void env;
  return date;
}

const integerArg = (value: unknown, fallback: number) =>
  value === undefined ? fallback : Math.max(0, Math.min(20, Math.trunc(number(value, 'the argument'))));

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round((value + Number.EPSILON) * factor) / factor;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let found = numberFormats.get(key);
  if (!found) {
    found = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, found);
  }
  return found;
}

const isEmpty = (value: unknown) =>
  value === null ||
  value === undefined ||
  value === false ||
  value === '' ||
  (Array.isArray(value) && value.length === 0);

const list = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];

function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (value === null || value === undefined) return false;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'y', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'n', 'off', ''].includes(text)) return false;
  throw new TemplateValueError(`"${stringify(value)}" is not a yes/no value`);
}

const maxText = 100_000;
function bounded(text: string): string {
  if (text.length > maxText) throw new TemplateValueError(`a text longer than ${maxText} characters`);
  return text;
}

export const templateFilters: Readonly<Record<string, TemplateFilterFn>> = Object.freeze({
  // Arithmetic
  plus: (v, [a]) => number(v) + number(a, 'the argument'),
  minus: (v, [a]) => number(v) - number(a, 'the argument'),
  times: (v, [a]) => number(v) * number(a, 'the argument'),
  divided_by: (v, [a]) => {
    const divisor = number(a, 'the argument');
    if (divisor === 0) throw new TemplateValueError('division by zero');
    const result = number(v) / divisor;
    // Liquid: an integer divided by an integer is an integer.
    return Number.isInteger(number(v)) && Number.isInteger(divisor) ? Math.floor(result) : result;
  },
  modulo: (v, [a]) => {
    const divisor = number(a, 'the argument');
    if (divisor === 0) throw new TemplateValueError('division by zero');
    return number(v) % divisor;
  },
  round: (v, [digits]) => round(number(v), integerArg(digits, 0)),
  ceil: (v) => Math.ceil(number(v)),
  floor: (v) => Math.floor(number(v)),
  abs: (v) => Math.abs(number(v)),
  at_least: (v, [a]) => Math.max(number(v), number(a, 'the argument')),
  at_most: (v, [a]) => Math.min(number(v), number(a, 'the argument')),

  // Text
  upper: (v) => stringify(v).toUpperCase(),
  upcase: (v) => stringify(v).toUpperCase(),
  lower: (v) => stringify(v).toLowerCase(),
  downcase: (v) => stringify(v).toLowerCase(),
  capitalize: (v) => {
    const text = stringify(v);
    return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase();
  },
  trim: (v) => stringify(v).trim(),
  strip: (v) => stringify(v).trim(),
  lstrip: (v) => stringify(v).trimStart(),
  rstrip: (v) => stringify(v).trimEnd(),
  append: (v, [a]) => bounded(stringify(v) + stringify(a)),
  prepend: (v, [a]) => bounded(stringify(a) + stringify(v)),
  replace: (v, [a, b]) => bounded(stringify(v).split(stringify(a)).join(stringify(b))),
  replace_first: (v, [a, b]) => stringify(v).replace(stringify(a), () => stringify(b)),
  remove: (v, [a]) => stringify(v).split(stringify(a)).join(''),
  slice: (v, [start, length]) => {
    const from = Math.trunc(number(start, 'the start'));
    const count = length === undefined ? 1 : Math.trunc(number(length, 'the length'));
    if (Array.isArray(v)) return v.slice(from, from + count < 0 && from < 0 ? undefined : from + count);
    const text = stringify(v);
    const begin = from < 0 ? Math.max(0, text.length + from) : from;
    return text.slice(begin, begin + count);
  },
  truncate: (v, [length, ellipsis]) => {
    const text = stringify(v);
    const max = length === undefined ? 50 : Math.max(0, Math.trunc(number(length, 'the length')));
    const end = ellipsis === undefined ? '...' : stringify(ellipsis);
    return text.length <= max ? text : text.slice(0, Math.max(0, max - end.length)) + end;
  },
  split: (v, [separator]) => stringify(v).split(stringify(separator)),
  url_encode: (v) => encodeURIComponent(stringify(v)),
  escape: (v) =>
    stringify(v)
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      .replaceAll('"', '&quot;')
      .replaceAll("'", '&#39;'),

  // Lists (and the size of a text)
  size: (v) =>
    Array.isArray(v) || typeof v === 'string'
      ? v.length
      : v !== null && typeof v === 'object'
        ? Object.keys(v).length
        : 0,
  join: (v, [separator]) =>
    Array.isArray(v) ? v.map(stringify).join(separator === undefined ? ', ' : stringify(separator)) : v,
  first: (v) => (Array.isArray(v) ? v[0] : typeof v === 'string' ? v.charAt(0) : undefined),
  last: (v) =>
    Array.isArray(v) ? v[v.length - 1] : typeof v === 'string' ? v.charAt(v.length - 1) : undefined,
  compact: (v) => list(v).filter((item) => item !== null && item !== undefined),
  uniq: (v) =>
    [...new Set(list(v).map((item) => JSON.stringify(item)))].map((item) => JSON.parse(item) as unknown),
  reverse: (v) => [...list(v)].reverse(),
  sort: (v) =>
    [...list(v)].sort((a, b) =>
      typeof a === 'number' && typeof b === 'number' ? a - b : stringify(a).localeCompare(stringify(b)),
    ),
  concat: (v, [other]) => [...list(v), ...list(other)],

  // Dates
  date: (v, [format], env) => {
    const date = instant(v, env);
    const pattern =
      format === undefined || format === 'datetime'
        ? `${env.dateFormat} ${env.timeFormat}`
        : format === 'date'
          ? env.dateFormat
          : format === 'time'
            ? env.timeFormat
            : format === 'iso'
              ? ''
              : stringify(format);
    return pattern === '' ? date.toISOString() : formatDate(date, pattern, env.timeZone, env.locale);
  },
  date_add: (v, [amount, unit], env) =>
    addToDate(instant(v, env), number(amount, 'the amount'), dateUnit(unit), env.timeZone).toISOString(),
  date_subtract: (v, [amount, unit], env) =>
    addToDate(instant(v, env), -number(amount, 'the amount'), dateUnit(unit), env.timeZone).toISOString(),
  date_diff: (v, [other, unit], env) =>
    dateDifference(instant(v, env), instant(other, env), dateUnit(unit ?? 'days'), env.timeZone),

  // Numbers as text
  number_format: (v, [decimals], env) => {
    const digits = integerArg(decimals, 0);
    return numberFormat(env.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(
      number(v),
    );
  },
  currency: (v, [code], env) =>
    numberFormat(env.locale, { style: 'currency', currency: stringify(code ?? 'USD').toUpperCase() }).format(
      number(v),
    ),
  percent: (v, [decimals], env) => {
    const digits = integerArg(decimals, 0);
    return numberFormat(env.locale, {
      style: 'percent',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(number(v));
  },

  // Links: a record's page in Weft (X2CRM's {link})
  record_url: (v, _args, env) => {
    const read = (key: string) =>
      v instanceof Drop
        ? (v as unknown as { read(key: string): unknown }).read(key)
        : v !== null && typeof v === 'object' && Object.hasOwn(v, key)
          ? (v as Record<string, unknown>)[key]
          : undefined;
    const module = read('module');
    const id = read('id');
    if (typeof module !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) return '';
    return `${(env.appUrl ?? '').replace(/\/+$/, '')}/records/${encodeURIComponent(module)}/${encodeURIComponent(String(id))}`;
  },

  // Defaults and conversions
  default: (v, [fallback]) => (isEmpty(v) ? fallback : v),
  to_number: (v) => (v === null || v === undefined || v === '' ? null : number(v)),
  to_integer: (v) => (v === null || v === undefined || v === '' ? null : Math.trunc(number(v))),
  to_string: (v) => stringify(v),
  to_boolean: (v) => toBoolean(v),
  to_date: (v, _args, env) =>
    v === null || v === undefined || v === '' ? null : instant(v, env).toISOString(),
  json: (v) => JSON.stringify(v ?? null),
  parse_json: (v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(bounded(v), (key, item) => (key === '__proto__' ? undefined : item)) as unknown;
    } catch {
      throw new TemplateValueError(`"${v.slice(0, 40)}" is not JSON`);
    }
  },
});

export const filterNames: readonly string[] = Object.keys(templateFilters);
export { TemplateValueError };
