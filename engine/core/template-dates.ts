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

export function addToDate(date: Date, amount: number, unit: DateUnit): Date {
  if (unit === 'years') return addDuration(date, { amount: amount * 12, unit: 'months' });
  return addDuration(date, { amount, unit });
}

const unitMs: Readonly<Record<Exclude<DateUnit, 'months' | 'years'>, number>> = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/** Whole units from `from` to `to` (negative when `to` is earlier), truncated toward zero. */
export function dateDifference(to: Date, from: Date, unit: DateUnit): number {
  if (unit === 'months' || unit === 'years') {
    const sign = to.getTime() >= from.getTime() ? 1 : -1;
    const [early, late] = sign === 1 ? [from, to] : [to, from];
    let months =
      (late.getUTCFullYear() - early.getUTCFullYear()) * 12 + (late.getUTCMonth() - early.getUTCMonth());
    if (addToDate(early, months, 'months').getTime() > late.getTime()) months -= 1;
    const whole = unit === 'years' ? Math.trunc(months / 12) : months;
    return sign * whole;
  }
  return Math.trunc((to.getTime() - from.getTime()) / unitMs[unit]);
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
