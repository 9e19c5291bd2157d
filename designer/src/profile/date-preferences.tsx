/**
 * How I read dates: time zone, locale, date style and clock, saved at once
 * (`PATCH /api/me/display`) and applied to every date the app shows from then on.
 */
import { Paper, Select, Stack, Switch, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import type { DisplayPreferences } from '../../../schemas/display-preferences.ts';
import { api } from '../api.ts';
import { formatDateTime, setDisplayPreferences } from '../app/dates.ts';
import { done, fail } from '../console/console-api.ts';

const styles = [
  { value: 'iso', label: 'Year-month-day (2026-12-06)' },
  { value: 'short', label: 'Short (12/6/26)' },
  { value: 'medium', label: 'Medium (Dec 6, 2026)' },
  { value: 'long', label: 'Long (December 6, 2026)' },
];

const locales = ['en-US', 'en-GB', 'fr-FR', 'de-DE', 'es-ES', 'it-IT', 'nl-NL', 'pt-BR', 'pl-PL', 'ja-JP'];
const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });

export function DatePreferences() {
  const [prefs, setPrefs] = useState<DisplayPreferences | null>(null);
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone'), []);
  useEffect(() => {
    api<DisplayPreferences>('GET', '/me/display').then(setPrefs, fail);
  }, []);
  if (!prefs) return null;

  const save = async (patch: Partial<DisplayPreferences>) => {
    try {
      const saved = await api<DisplayPreferences>('PATCH', '/me/display', patch);
      setDisplayPreferences(saved);
      setPrefs(saved);
      done('Date preferences saved');
    } catch (error) {
      fail(error);
    }
  };
  const localeOptions = [...new Set([prefs.locale, ...locales])].map((value) => ({
    value,
    label: `${languageNames.of(value) ?? value} (${value})`,
  }));

  return (
    <Paper withBorder p="md" data-testid="date-preferences">
      <Stack gap="sm">
        <Title order={5}>Dates and times</Title>
        <Select
          label="Time zone"
          searchable
          data={zones.includes(prefs.timeZone) ? zones : [prefs.timeZone, ...zones]}
          value={prefs.timeZone}
          allowDeselect={false}
          onChange={(value) => value && save({ timeZone: value })}
        />
        <Select
          label="Language for dates"
          description="Month names and the order of day and month"
          data={localeOptions}
          value={prefs.locale}
          allowDeselect={false}
          onChange={(value) => value && save({ locale: value })}
        />
        <Select
          label="Date format"
          data={styles}
          value={prefs.dateStyle}
          allowDeselect={false}
          onChange={(value) => value && save({ dateStyle: value as DisplayPreferences['dateStyle'] })}
        />
        <Switch
          label="12-hour clock"
          checked={prefs.hour12}
          onChange={(event) => save({ hour12: event.currentTarget.checked })}
        />
        <Text size="sm" c="dimmed" data-testid="date-sample">
          Now reads as {formatDateTime(new Date())}
        </Text>
      </Stack>
    </Paper>
  );
}
