/**
 * X2CRM's condition operators, as json-logic operators. They are pure functions of their
 * arguments plus the evaluation scope: `changed` reads `record`/`previous` from the root
 * context, the calendar operators read the injected `now` in the evaluation's time zone.
 */
import type { Operator, OperatorScope } from './conditions.ts';
import { readPath } from './paths.ts';

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

function sameValue(a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (k) =>
      Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/** X2CRM stores lists as comma-separated text; arrays are taken as they are. */
function toList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  return [value];
}

function containsValue(haystack: unknown, needle: unknown): boolean {
  if (Array.isArray(haystack)) return haystack.some((item) => String(item) === String(needle));
  if (haystack === null || haystack === undefined) return false;
  return String(haystack).toLowerCase().includes(String(needle).toLowerCase());
}

function isNumeric(value: unknown): boolean {
  return (
    (typeof value === 'number' && Number.isFinite(value)) ||
    (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
  );
}

/** Inclusive; numeric when all three are numbers, otherwise ordered as text (ISO dates, `HH:MM`). */
function between(value: unknown, low: unknown, high: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (isNumeric(value) && isNumeric(low) && isNumeric(high)) {
    const n = Number(value);
    return n >= Number(low) && n <= Number(high);
  }
  const text = String(value);
  return text >= String(low) && text <= String(high);
}

function normaliseTag(tag: unknown): string {
  return String(tag).trim().replace(/^#/, '').toLowerCase();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function calendarParts(scope: OperatorScope, zoneArg: unknown): Record<string, string> {
  const timeZone =
    typeof zoneArg === 'string' && zoneArg !== '' ? zoneArg : (scope.options.timeZone ?? 'UTC');
  const now = scope.root.now;
  if (typeof now !== 'string') throw new Error('calendar conditions need `now` in the context');
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(new Date(now))) parts[part.type] = part.value;
  return parts;
}

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export const crmOperators: Readonly<Record<string, Operator>> = {
  /** `{"changed": ["firstName"]}`: the field differs between `record` and `previous`. */
  changed: {
    arity: [1, 1],
    fn: ([field], { root }) => {
      const path = String(field);
      return !sameValue(readPath(root.record, path), readPath(root.previous, path));
    },
  },
  contains: { arity: [2, 2], fn: ([haystack, needle]) => containsValue(haystack, needle) },
  notContains: { arity: [2, 2], fn: ([haystack, needle]) => !containsValue(haystack, needle) },
  empty: { arity: [1, 1], fn: ([value]) => isEmpty(value) },
  notEmpty: { arity: [1, 1], fn: ([value]) => !isEmpty(value) },
  between: { arity: [3, 3], fn: ([value, low, high]) => between(value, low, high) },
  inList: {
    arity: [2, 2],
    fn: ([value, list]) => toList(list).some((item) => String(item) === String(value)),
  },
  notInList: {
    arity: [2, 2],
    fn: ([value, list]) => !toList(list).some((item) => String(item) === String(value)),
  },
  /** `{"hasTags": [{"var": "record.tags"}, ["vip", "#hot"]]}`: every wanted tag is present. */
  hasTags: {
    arity: [2, 2],
    fn: ([tags, wanted]) => {
      const present = new Set(toList(tags).map(normaliseTag));
      return toList(wanted)
        .map(normaliseTag)
        .every((tag) => tag === '' || present.has(tag));
    },
  },
  /** 0 = Sunday … 6 = Saturday, as cron and X2CRM count. Optional argument: a time zone. */
  dayOfWeek: {
    arity: [0, 1],
    fn: ([zone], scope) => weekdays.indexOf(calendarParts(scope, zone).weekday ?? ''),
  },
  /** 1 = January … 12 = December. */
  month: { arity: [0, 1], fn: ([zone], scope) => Number(calendarParts(scope, zone).month) },
  dayOfMonth: { arity: [0, 1], fn: ([zone], scope) => Number(calendarParts(scope, zone).day) },
  /** `HH:MM` on a 24-hour clock, comparable as text: `{"between": [{"timeOfDay": []}, "09:00", "17:30"]}`. */
  timeOfDay: {
    arity: [0, 1],
    fn: ([zone], scope) => {
      const parts = calendarParts(scope, zone);
      return `${parts.hour}:${parts.minute}`;
    },
  },
};
