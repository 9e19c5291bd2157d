/**
 * Every date and time the app shows goes through here, in the signed-in user's display
 * preferences (`GET /api/me/display`: time zone, locale, date style, clock) — never through
 * `toLocaleString`, which would follow whatever browser the user sits at.
 */
import type { DisplayPreferences } from '../../../schemas/display-preferences.ts';

let prefs: DisplayPreferences = {
  timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  locale: 'en-US',
  dateStyle: 'medium',
  hour12: false,
};
let formats = new Map<string, Intl.DateTimeFormat>();

/** Set once the user is known, and again when they change their preferences. */
export function setDisplayPreferences(next: DisplayPreferences): void {
  prefs = next;
  formats = new Map();
}

export const displayPreferences = () => prefs;

type Kind = 'dateTime' | 'date' | 'time';

function format(kind: Kind, timeZone: string): Intl.DateTimeFormat {
  const key = `${kind}|${timeZone}`;
  const known = formats.get(key);
  if (known) return known;
  const iso = prefs.dateStyle === 'iso';
  const time: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hour12: prefs.hour12 };
  const date: Intl.DateTimeFormatOptions = iso
    ? { year: 'numeric', month: '2-digit', day: '2-digit' }
    : { dateStyle: prefs.dateStyle as 'short' | 'medium' | 'long' };
  let options: Intl.DateTimeFormatOptions;
  if (kind === 'date') options = { ...date, timeZone };
  else if (kind === 'time') options = { ...time, timeZone };
  else if (iso) options = { ...date, ...time, timeZone };
  else options = { ...date, timeStyle: 'short', hour12: prefs.hour12, timeZone };
  // ISO order whatever the locale: en-CA writes dates as 2026-12-06.
  const made = new Intl.DateTimeFormat(iso ? 'en-CA' : prefs.locale, options);
  formats.set(key, made);
  return made;
}

function written(kind: Kind, at: Date, timeZone: string): string {
  const formatter = format(kind, timeZone);
  if (prefs.dateStyle !== 'iso') return formatter.format(at);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    formatter.formatToParts(at).find((p) => p.type === type)?.value ?? '';
  const day = `${part('year')}-${part('month')}-${part('day')}`;
  const clock = `${part('hour')}:${part('minute')}${prefs.hour12 ? ` ${part('dayPeriod')}` : ''}`;
  return kind === 'date' ? day : kind === 'time' ? clock : `${day} ${clock}`;
}

type When = string | number | Date | null | undefined;

function dateOf(value: When): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const at = value instanceof Date ? value : new Date(value);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** A moment (an ISO timestamp, a Date): date and time in the user's zone; `empty` when none. */
export function formatDateTime(value: When, empty = '—'): string {
  const at = dateOf(value);
  return at ? written('dateTime', at, prefs.timeZone) : empty;
}

/**
 * A calendar date. A date-only value (`2026-12-06`, a record's date field) is that day
 * everywhere, so it is not moved into the user's zone.
 */
export function formatDate(value: When, empty = '—'): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value))
    return written('date', new Date(`${value}T00:00:00Z`), 'UTC');
  const at = dateOf(value);
  return at ? written('date', at, prefs.timeZone) : empty;
}

/** The time of day of a moment, in the user's zone. */
export function formatTime(value: When, empty = '—'): string {
  const at = dateOf(value);
  return at ? written('time', at, prefs.timeZone) : empty;
}
