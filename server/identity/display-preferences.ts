/**
 * A user's display preferences (time zone, locale, date style, clock), answered complete:
 * what the user left unset follows the workspace's settings.
 */

import { sql } from 'kysely';
import type { DisplayPreferences, DisplayPreferencesPatch } from '../../schemas/display-preferences.ts';
import type { Db } from '../db/index.ts';
import { invalid, notFound } from '../platform/errors.ts';
import type { SettingsService } from '../platform/settings.ts';

function checkFormats(patch: DisplayPreferencesPatch): void {
  if (patch.timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: patch.timeZone });
    } catch {
      throw invalid('timeZone', `"${patch.timeZone}" is not a time zone (an IANA name such as Europe/Paris)`);
    }
  }
  if (patch.locale !== undefined) {
    try {
      Intl.getCanonicalLocales(patch.locale);
    } catch {
      throw invalid('locale', `"${patch.locale}" is not a locale (such as en-US or fr-FR)`);
    }
  }
}

export async function displayPreferences(
  db: Db,
  settings: SettingsService,
  userId: string,
): Promise<DisplayPreferences> {
  const row = await db.selectFrom('users').select('displayPrefs').where('id', '=', userId).executeTakeFirst();
  if (!row) throw notFound('User');
  const workspace = await settings.get();
  return {
    timeZone: workspace.timeZone,
    locale: workspace.locale,
    dateStyle: 'medium',
    hour12: false,
    ...row.displayPrefs,
  };
}

/** Sets what the patch names; `null`-free: a key left out keeps its value. */
export async function updateDisplayPreferences(
  db: Db,
  settings: SettingsService,
  userId: string,
  patch: DisplayPreferencesPatch,
): Promise<DisplayPreferences> {
  checkFormats(patch);
  await db
    .updateTable('users')
    .set({ displayPrefs: sql`display_prefs || ${JSON.stringify(patch)}::jsonb` })
    .where('id', '=', userId)
    .execute();
  return displayPreferences(db, settings, userId);
}
