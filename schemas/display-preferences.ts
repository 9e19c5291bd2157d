import type { FromSchema } from 'json-schema-to-ts';

/**
 * How one person reads dates and times everywhere in the app: time zone, locale and date
 * style. What they leave unset follows the workspace (settings `timeZone`, `locale`).
 */
export const dateStyles = ['iso', 'short', 'medium', 'long'] as const;

const properties = {
  timeZone: {
    type: 'string',
    minLength: 1,
    maxLength: 64,
    description: 'IANA time zone (Europe/Paris); unset: the workspace’s',
  },
  locale: {
    type: 'string',
    minLength: 2,
    maxLength: 35,
    description: 'BCP 47 locale (fr-FR): month names and the order of day and month; unset: the workspace’s',
  },
  dateStyle: {
    type: 'string',
    enum: dateStyles,
    description: 'iso: 2026-12-06 14:05; short: 12/6/26; medium: Dec 6, 2026; long: December 6, 2026',
  },
  hour12: { type: 'boolean', description: 'A 12-hour clock (2:05 PM) instead of 24 hours' },
} as const;

export const displayPreferencesBody = {
  type: 'object',
  properties,
  additionalProperties: false,
} as const;

export const displayPreferencesResponse = {
  type: 'object',
  properties,
  required: ['timeZone', 'locale', 'dateStyle', 'hour12'],
  additionalProperties: false,
} as const;

export type DisplayPreferencesPatch = FromSchema<typeof displayPreferencesBody>;
export type DisplayPreferences = FromSchema<typeof displayPreferencesResponse>;
