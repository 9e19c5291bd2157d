import { Ajv } from 'ajv';
import { type Settings, settingsSchema } from '../../schemas/settings.ts';
import type { Db } from '../db/index.ts';

// Defaults come from the schema itself, so adding a setting is one line in schemas/settings.ts.
const withDefaults = new Ajv({ useDefaults: true, strict: false }).compile(settingsSchema);

async function read(db: Db): Promise<Settings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  const known = Object.keys(settingsSchema.properties);
  const stored = Object.fromEntries(
    rows.filter((row) => known.includes(row.key)).map((row) => [row.key, row.value]),
  );
  withDefaults(stored);
  return stored as Settings;
}

/** Reads every setting, stored or default. Cached per process for a few seconds; writes here clear it. */
export class SettingsService {
  #db: Db;
  #cache: { value: Settings; at: number } | undefined;
  static readonly ttlMs = 5_000;

  constructor(db: Db) {
    this.#db = db;
  }

  /** `fresh`: read the database now (another process may have changed a setting within the cache's few seconds). */
  async get(options: { fresh?: boolean } = {}): Promise<Settings> {
    if (!options.fresh && this.#cache && Date.now() - this.#cache.at < SettingsService.ttlMs)
      return this.#cache.value;
    const value = await read(this.#db);
    this.#cache = { value, at: Date.now() };
    return value;
  }

  async update(db: Db, patch: Partial<Settings>): Promise<Settings> {
    for (const [key, value] of Object.entries(patch)) {
      await db
        .insertInto('settings')
        .values({ key, value: JSON.stringify(value) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value) }))
        .execute();
    }
    this.#cache = undefined;
    // Read through the caller's transaction and do not cache: outside it the change is not committed yet.
    return read(db);
  }

  /** Drops the cached values; callers of update() call it again once their transaction committed. */
  forget(): void {
    this.#cache = undefined;
  }
}

// Settings the schema marks `writeOnly` (the SMTP password) are set through the API but never read back.
const writeOnlyKeys = Object.entries(settingsSchema.properties)
  .filter(([, property]) => 'writeOnly' in property && property.writeOnly)
  .map(([key]) => key);

/** Settings as the API answers them: a write-only value is replaced by `<key>Set: boolean`. */
export function redactSettings(values: Partial<Settings>): Record<string, unknown> {
  const redacted: Record<string, unknown> = { ...values };
  for (const key of writeOnlyKeys) {
    if (!(key in redacted)) continue;
    redacted[`${key}Set`] = redacted[key] !== null && redacted[key] !== '';
    delete redacted[key];
  }
  return redacted;
}
