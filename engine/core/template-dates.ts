/**
 * Dates for templates: reading a value as an instant, strftime-style formatting in a time
 * zone and locale (Intl), calendar arithmetic and differences. Pure: the current time comes
 * in with the template's data (`now`), never from the clock.
 */
import { addDuration } from './time.ts';

export type DateUnit = 'seconds' | 'minutes' | 'hours' | 'days' | 'weeks' | 'months' | 'years';
export const dateUnits: readonly DateUnit[] = [
  'seconds',
  'minutes',
  'hours',
  'days',
  'weeks',
  'months',
  'years',
];

const unitAliases: Readonly<Record<string, DateUnit>> = Object.freeze({
  second: 'seconds',
  minute: 'minutes',
  hour: 'hours',
  day: 'days',
  week: 'weeks',
  month: 'months',
  year: 'years',
});

export class TemplateValueError extends Error {
  override name = 'TemplateValueError';
}

export function dateUnit(value: unknown): DateUnit {
  const text = String(value ?? '').toLowerCase();
  const unit = (dateUnits as readonly string[]).includes(text) ? (text as DateUnit) : unitAliases[text];
  if (!unit) throw new TemplateValueError(`"${text}" is not a unit of time (${dateUnits.join(', ')})`);
  return unit;
}

/** An instant from a Date, an ISO-8601 text, a date-only text (midnight UTC) or epoch milliseconds. */
export function toInstant(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value);
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return new Date(Number(text));
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const unitMs: Readonly<Record<Exclude<DateUnit, 'months' | 'years'>, number>> = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/** Days and longer are calendar units (read on the zone's wall clock); hours and shorter, elapsed time. */
const calendar = (unit: DateUnit) =>
  unit === 'days' || unit === 'weeks' || unit === 'months' || unit === 'years';

/** The zone's wall clock at an instant, as the UTC instant that reads the same (for calendar arithmetic). */
function wallClock(date: Date, timeZone: string): Date {
  const f = fieldsIn(date, timeZone);
  return new Date(
    Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) + date.getUTCMilliseconds(),
  );
}

/**
 * The instant a wall-clock time stands for in a zone. A time the zone skips (spring forward)
 * reads as the same time after the jump (02:30 → 03:30), a time it repeats (fall back) as
 * the first of the two: Temporal's "compatible" disambiguation.
 */
function fromWallClock(wall: Date, timeZone: string): Date {
  const at = wall.getTime();
  const offset = (t: number) => fieldsIn(new Date(t), timeZone).offsetMinutes * 60_000;
  const before = offset(at - 86_400_000);
  const after = offset(at + 86_400_000);
  const fits = [at - before, at - after].filter((t) => offset(t) === at - t);
  return new Date(fits.length > 0 ? Math.min(...fits) : at - before);
}

/**
 * `date` plus `amount` units. Days, weeks, months and years move the date on the wall clock
 * of `timeZone` (noon the day before a DST change is noon the day after, 23 or 25 hours
 * later; Jan 31 + 1 month is Feb 28/29); hours, minutes and seconds are elapsed time.
 */
export function addToDate(date: Date, amount: number, unit: DateUnit, timeZone = 'UTC'): Date {
  const whole = unit === 'days' || unit === 'weeks' ? Number.isInteger(amount) : true;
  if (!calendar(unit) || !whole)
    return new Date(date.getTime() + amount * unitMs[unit as keyof typeof unitMs]);
  const wall = wallClock(date, timeZone);
  const moved =
    unit === 'years'
      ? addDuration(wall, { amount: amount * 12, unit: 'months' })
      : addDuration(wall, { amount, unit: unit as 'days' | 'weeks' | 'months' });
  return fromWallClock(moved, timeZone);
}

/**
 * Whole units from `from` to `to` (negative when `to` is earlier), truncated toward zero.
 * Calendar units count on the wall clock of `timeZone` (a DST day is one day).
 */
export function dateDifference(to: Date, from: Date, unit: DateUnit, timeZone = 'UTC'): number {
  if (!calendar(unit))
    return Math.trunc((to.getTime() - from.getTime()) / unitMs[unit as keyof typeof unitMs]);
  const [wallTo, wallFrom] = [wallClock(to, timeZone), wallClock(from, timeZone)];
  if (unit === 'months' || unit === 'years') {
    const sign = wallTo.getTime() >= wallFrom.getTime() ? 1 : -1;
    const [early, late] = sign === 1 ? [wallFrom, wallTo] : [wallTo, wallFrom];
    let months =
      (late.getUTCFullYear() - early.getUTCFullYear()) * 12 + (late.getUTCMonth() - early.getUTCMonth());
    if (addDuration(early, { amount: months, unit: 'months' }).getTime() > late.getTime()) months -= 1;
    const whole = unit === 'years' ? Math.trunc(months / 12) : months;
    return sign * whole;
  }
  return Math.trunc((wallTo.getTime() - wallFrom.getTime()) / unitMs[unit as 'days' | 'weeks']);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(
  locale: string,
  timeZone: string,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    formatters.set(key, found);
  }
  return found;
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
  offsetMinutes: number;
  zoneName: string;
}

function fieldsIn(date: Date, timeZone: string): Fields {
  const parts = formatter('en-US', timeZone, {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    weekday: 'short',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const year = Number(part('year'));
  const month = Number(part('month'));
  const day = Number(part('day'));
  const hour = Number(part('hour')) % 24;
  const minute = Number(part('minute'));
  const second = Number(part('second'));
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetMinutes = Math.round((local - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday'));
  return { year, month, day, hour, minute, second, weekday, offsetMinutes, zoneName: part('timeZoneName') };
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/**
 * strftime in a time zone: %Y %y %m %d %e %H %I %M %S %L %p %j %Z %z %%, with locale names
 * for %a %A %b %B, locale forms for %x (date) %X (time) %c (both); `%-d` drops the padding.
 */
export function formatDate(date: Date, format: string, timeZone: string, locale: string): string {
  const f = fieldsIn(date, timeZone);
  const named = (options: Intl.DateTimeFormatOptions) => formatter(locale, timeZone, options).format(date);
  return format.replace(/%(-?)([A-Za-z%])/g, (whole, noPad: string, code: string) => {
    const num = (value: number, width = 2) => (noPad ? String(value) : pad(value, width));
    switch (code) {
      case 'Y':
        return String(f.year);
      case 'y':
        return pad(f.year % 100);
      case 'm':
        return num(f.month);
      case 'd':
        return num(f.day);
      case 'e':
        return String(f.day);
      case 'H':
        return num(f.hour);
      case 'I':
        return num(f.hour % 12 === 0 ? 12 : f.hour % 12);
      case 'M':
        return num(f.minute);
      case 'S':
        return num(f.second);
      case 'L':
        return pad(date.getUTCMilliseconds(), 3);
      case 'p':
        return f.hour < 12 ? 'AM' : 'PM';
      case 'P':
        return f.hour < 12 ? 'am' : 'pm';
      case 'j': {
        const start = Date.UTC(f.year, 0, 1);
        return num(Math.floor((Date.UTC(f.year, f.month - 1, f.day) - start) / 86_400_000) + 1, 3);
      }
      case 'a':
        return named({ weekday: 'short' });
      case 'A':
        return named({ weekday: 'long' });
      case 'b':
        return named({ month: 'short' });
      case 'B':
        return named({ month: 'long' });
      case 'x':
        return named({ dateStyle: 'short' });
      case 'X':
        return named({ timeStyle: 'short' });
      case 'c':
        return named({ dateStyle: 'medium', timeStyle: 'short' });
      case 'Z':
        return f.zoneName;
      case 'z': {
        const sign = f.offsetMinutes < 0 ? '-' : '+';
        const abs = Math.abs(f.offsetMinutes);
        return `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
      }
      case '%':
        return '%';
      default:
        return whole;
    }
  });
}
