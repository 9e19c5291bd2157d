/** System settings, drawn from the settings schema (schemas/settings.ts); email has its own tab. */
import { Loader } from '@mantine/core';
import type { RJSFSchema } from '@rjsf/utils';
import { useEffect, useState } from 'react';
import { settingsSchema } from '../../../schemas/settings.ts';
import { api } from '../api.ts';
import { done, fail } from '../console/console-api.ts';
import { FeedSettings } from '../feed/feed-settings.tsx';
import { SchemaForm } from './schema-form.tsx';

type Values = Record<string, unknown>;

/** `sessionTimeoutMinutes` → "Session timeout minutes"; SMTP and URL keep their capitals. */
const titleOf = (name: string) => {
  const words = name.replace(/([A-Z])/g, ' $1').toLowerCase();
  return (words.charAt(0).toUpperCase() + words.slice(1))
    .replace(/\bsmtp\b/i, 'SMTP')
    .replace(/\burl\b/, 'URL');
};

/** The part of the settings schema holding these keys, for one form. */
export function settingsPart(keys: (name: string) => boolean): RJSFSchema {
  const properties = Object.fromEntries(
    Object.entries(settingsSchema.properties)
      .filter(([name]) => keys(name))
      .map(([name, property]) => [name, { ...property, title: titleOf(name) }]),
  );
  return { type: 'object', properties } as RJSFSchema;
}

/** Saves what the form holds; an emptied nullable field is sent as null (rjsf drops it). */
export async function saveSettings(schema: RJSFSchema, values: Values) {
  const body: Values = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const value = values[name];
    const nullable = Array.isArray((property as { type?: unknown }).type);
    if (value !== undefined) body[name] = value;
    else if (nullable) body[name] = null;
  }
  await api('PATCH', '/settings', body);
  done('Settings saved');
}

export function useSettings(): Values | null {
  const [values, setValues] = useState<Values | null>(null);
  useEffect(() => {
    api<Values>('GET', '/settings').then(setValues, fail);
  }, []);
  return values;
}

// Email delivery has its own tab; the feed's per-type settings have their own section (FeedSettings).
const system = settingsPart(
  (name) => !/^(smtp|email)/.test(name) && name !== 'feedRetentionDaysByType' && name !== 'feedSystemPosts',
);

export function SettingsAdmin() {
  const values = useSettings();
  if (!values) return <Loader />;
  return (
    <div style={{ maxWidth: 640 }}>
      <SchemaForm schema={system} data={values} onSubmit={(data) => saveSettings(system, data)} />
      <FeedSettings values={values} />
    </div>
  );
}
