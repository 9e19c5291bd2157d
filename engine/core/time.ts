import type { DurationUnit } from './control-nodes.ts';

const millis: Readonly<Record<Exclude<DurationUnit, 'months'>, number>> = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/**
 * Adds a duration in UTC. Months are calendar months (Jan 31 + 1 month = Feb 28/29, as
 * people expect of "a month later"), everything else is a fixed number of milliseconds.
 */
export function addDuration(from: Date, duration: { amount: number; unit: DurationUnit }): Date {
  if (duration.unit !== 'months') return new Date(from.getTime() + duration.amount * millis[duration.unit]);
  const result = new Date(from.getTime());
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + Math.trunc(duration.amount));
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}
