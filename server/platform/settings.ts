import { Ajv } from 'ajv';
import { sql } from 'kysely';
import { type Settings, settingsSchema } from '../../schemas/settings.ts';
import type { Db } from '../db/index.ts';
import { invalid } from './errors.ts';

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

async function readToken(db: Db): Promise<string> {
  const { rows } = await sql<{ token: string }>`select token from settings_token`.execute(db);
  const token = rows[0]?.token;
  if (!token) throw new Error('settings_token has no row (migration 0020)');
  return token;
}

/**
 * Transactions that read the settings token once (`pinSettings`): a batch of flow steps
 * reads the settings in many steps and changes none. Not for a transaction that changes
 * settings, which must read its own change.
 */
const pinned = new WeakMap<Db, { token?: Promise<string> }>();

export function pinSettings(trx: Db): void {
  if (!pinned.has(trx)) pinned.set(trx, {});
}

function settingsToken(db: Db): Promise<string> {
  const pin = pinned.get(db);
  if (pin && !pin.token) pin.token = readToken(db);
  return pin?.token ?? readToken(db);
}

/**
 * Reads every setting, stored or default. Kept per process under the database's settings
 * token (migration 0020: a random token that every statement writing `settings` replaces):
 * a read asks for the token (one tiny query) and reads the settings again only when it is
 * new, so a change made by any process applies to the next event, not after a delay.
 */
let shared: { value: Settings; token: string } | undefined;

/**
 * The settings as `db` (a transaction, maybe) sees them, kept process-wide under their
 * token: one tiny query when nothing changed. For callers that have no SettingsService of
 * their own (a flow's step: a new service per step read every setting each time).
 */
export async function currentSettings(db: Db): Promise<Settings> {
  const token = await settingsToken(db);
  if (shared?.token === token) return shared.value;
  const value = await read(db);
  shared = { value, token };
  return value;
}

/** A time zone or locale the templates could not format with is refused here, not at every step. */
function checkFormats(patch: Partial<Settings>): void {
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

export class SettingsService {
  #db: Db;
  #cache: { value: Settings; token: string } | undefined;

  constructor(db: Db) {
    this.#db = db;
  }

  /** `fresh`: read the settings themselves now, whatever the token says. */
  async get(options: { fresh?: boolean } = {}): Promise<Settings> {
    const token = await settingsToken(this.#db);
    if (!options.fresh && this.#cache?.token === token) return this.#cache.value;
    const value = await read(this.#db);
    this.#cache = { value, token };
    return value;
  }

  async update(db: Db, patch: Partial<Settings>): Promise<Settings> {
    checkFormats(patch);
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

  /** Drops the cached values (the token would tell anyway; kept for callers that commit a change). */
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
