/**
 * What the record page offers for a completed stage under the process settings the server
 * sends with a record's progress (`rules`): re-dating within the backdate window, dates no
 * further back than the backdate range, naming someone else only when reassignment is
 * allowed. Administrators are bound by none. The server checks every change again; this only
 * keeps the page from offering what it would refuse, and says why in words.
 */
export interface ProgressRules {
  /** How long after completion a non-admin may revert or re-date; null: unlimited, 0: never. */
  backdateWindowSeconds: number | null;
  /** How far back a non-admin may set a date; null: unlimited, 0: not at all. */
  backdateRangeSeconds: number | null;
  allowReassign: boolean;
  admin: boolean;
}

export function describeSeconds(value: number): string {
  const units: [number, string][] = [
    [365 * 86_400, 'year'],
    [30 * 86_400, 'month'],
    [7 * 86_400, 'week'],
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units)
    if (value >= size && value % size === 0) {
      const count = value / size;
      return `${count} ${name}${count === 1 ? '' : 's'}`;
    }
  return `${value} seconds`;
}

/** Null when the caller may change a stage completed at `completedAt`, else why not. */
export function editRefusal(rules: ProgressRules, completedAt: string | null, now: number): string | null {
  if (rules.admin || rules.backdateWindowSeconds === null || !completedAt) return null;
  if (rules.backdateWindowSeconds === 0) return 'The settings do not allow changing a completed stage';
  if (now - Date.parse(completedAt) > rules.backdateWindowSeconds * 1000)
    return `Completed more than ${describeSeconds(rules.backdateWindowSeconds)} ago: past the backdate window for changing it`;
  return null;
}

export const mayReassign = (rules: ProgressRules) => rules.admin || rules.allowReassign;

/** What the date field says about how far back a completion may be dated. */
export function dateHint(rules: ProgressRules): string {
  if (rules.admin || rules.backdateRangeSeconds === null) return 'Any date up to now';
  if (rules.backdateRangeSeconds === 0) return 'The settings allow no earlier date than now';
  return `At most ${describeSeconds(rules.backdateRangeSeconds)} back`;
}

/** `datetime-local` text for an instant, in the browser's zone. */
export function localInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
