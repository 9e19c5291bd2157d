import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDate, formatDateTime, formatTime, setDisplayPreferences } from './dates.ts';

const at = '2026-12-06T14:05:00Z';

const cases = [
  [
    { timeZone: 'UTC', locale: 'en-US', dateStyle: 'iso', hour12: false },
    '2026-12-06 14:05',
    '2026-12-06',
    '14:05',
  ],
  [
    { timeZone: 'Europe/Paris', locale: 'fr-FR', dateStyle: 'iso', hour12: false },
    '2026-12-06 15:05',
    '2026-12-06',
    '15:05',
  ],
  [
    { timeZone: 'America/New_York', locale: 'en-US', dateStyle: 'long', hour12: true },
    /December 6, 2026.*9:05\sAM/,
    'December 6, 2026',
    /09:05\sAM/,
  ],
  [
    { timeZone: 'Europe/Berlin', locale: 'de-DE', dateStyle: 'medium', hour12: false },
    /06\.12\.2026.*15:05/,
    '06.12.2026',
    '15:05',
  ],
] as const;

for (const [prefs, dateTime, date, time] of cases)
  test(`${prefs.timeZone} ${prefs.locale} ${prefs.dateStyle}`, () => {
    setDisplayPreferences(prefs);
    if (typeof dateTime === 'string') assert.equal(formatDateTime(at), dateTime);
    else assert.match(formatDateTime(at), dateTime);
    // A date-only value is that day in every zone (New York would otherwise make it the 5th).
    assert.equal(formatDate('2026-12-06'), date);
    if (typeof time === 'string') assert.equal(formatTime(at), time);
    else assert.match(formatTime(at), time);
  });

test('nothing, or not a date, reads as the placeholder', () => {
  assert.equal(formatDateTime(null), '—');
  assert.equal(formatDateTime('soon', ''), '');
});
