import { randomBytes } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { userCreateBody, userUpdateBody } from '../../schemas/identity.ts';
import type { Db } from '../db/index.ts';
import type { ImportMode } from '../db/types.ts';
import { createUser, type UserInput, updateUser } from '../identity/users.ts';
import type { Actor } from '../platform/audit.ts';
import { WeftError } from '../platform/errors.ts';
import type { SettingsService } from '../platform/settings.ts';
import { fieldProblems } from '../plugins/errors.ts';
import { type Counts, recordProgress } from './import-progress.ts';
import type { RowError, SourceRow } from './import-rows.ts';
import { BadCell, cellValue, list, type Mapping, type Target, unescapeFormula } from './import-values.ts';

/**
 * Users are imported through `createUser` / `updateUser`, one row per transaction: each
 * hashes a password and checks the user limit, so batching would buy little. A row
 * without a password gets a random one: the user signs in after an admin resets it.
 */

const flag = { type: 'boolean' } as const;

export const userTargets: Target[] = [
  { name: 'username', label: 'Username', type: 'text', required: true },
  { name: 'password', label: 'Password', type: 'text', required: false },
  { name: 'firstName', label: 'First Name', type: 'text', required: false },
  { name: 'lastName', label: 'Last Name', type: 'text', required: false },
  { name: 'email', label: 'Email', type: 'email', required: false },
  { name: 'title', label: 'Title', type: 'text', required: false },
  { name: 'phone', label: 'Phone', type: 'phone', required: false },
  { name: 'active', label: 'Active', type: 'boolean', required: false },
  { name: 'available', label: 'Available', type: 'boolean', required: false },
  { name: 'invisible', label: 'Invisible', type: 'boolean', required: false },
  // Names, as the users export writes them; they replace the user's roles or groups.
  { name: 'roles', label: 'Roles', type: 'text', required: false, multiple: true },
  { name: 'groups', label: 'Groups', type: 'text', required: false, multiple: true },
];

const memberships = { roles: ['roleIds', 'role'], groups: ['groupIds', 'group'] } as const;

/** Fields a user can be matched on in update and skip modes. */
export const userKeys = new Set(['id', 'username', 'email']);

const ajv = new Ajv({ allErrors: true, coerceTypes: false, strict: false });
addFormats.default(ajv);
const validateCreate = ajv.compile({
  ...userCreateBody,
  properties: { ...userCreateBody.properties, available: flag, invisible: flag },
});
const validateUpdate = ajv.compile({
  ...userUpdateBody,
  properties: { ...userUpdateBody.properties, invisible: flag },
});

const progressEvery = 50;

async function namesToIds(db: Db, table: 'roles' | 'groups'): Promise<Map<string, string>> {
  const rows = await db.selectFrom(table).select(['id', 'name']).execute();
  return new Map(rows.map((row) => [row.name.toLowerCase(), row.id]));
}
const noNames = new Map<string, string>();

export async function importUserRows(
  db: Db,
  settings: SettingsService,
  importRow: {
    id: string;
    mode: ImportMode;
    keyField: string | null;
    mapping: Mapping;
    createdBy: string | null;
  },
  actor: Actor & { id: string },
  header: string[],
  sources: SourceRow[],
): Promise<void> {
  const columns = Object.entries(importRow.mapping).flatMap(([column, name]) => {
    const target = userTargets.find((candidate) => candidate.name === name);
    return target ? [{ index: header.indexOf(column), target }] : [];
  });
  const keyIndex = header.indexOf(
    Object.entries(importRow.mapping).find(([, name]) => name === importRow.keyField)?.[0] ?? '',
  );
  const idsByName = {
    roles: await namesToIds(db, 'roles'),
    groups: await namesToIds(db, 'groups'),
  };
  let counts: Counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
  let errors: RowError[] = [];
  let records: { id: string; action: 'created' | 'updated' }[] = [];
  let pending = 0;
  const flush = async () => {
    await db.transaction().execute((trx) => recordProgress(trx, importRow, pending, counts, errors, records));
    counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
    errors = [];
    records = [];
    pending = 0;
  };

  for (const source of sources) {
    pending++;
    const problems: RowError[] = [];
    const input: Record<string, unknown> = {};
    for (const { index, target } of columns) {
      const text = source.cells[index] ?? '';
      if (text === '') continue;
      if (target.name === 'roles' || target.name === 'groups') {
        const [key, noun] = memberships[target.name];
        const ids: string[] = [];
        for (const name of list(text)) {
          const id = idsByName[target.name].get(name.toLowerCase());
          if (id) ids.push(id);
          else problems.push({ row: source.row, field: target.name, reason: `names no ${noun} "${name}"` });
        }
        input[key] = ids;
        continue;
      }
      try {
        input[target.name] =
          target.type === 'text'
            ? unescapeFormula(text)
            : cellValue({ type: target.type, options: {} }, text, noNames);
      } catch (error) {
        if (!(error instanceof BadCell)) throw error;
        problems.push({ row: source.row, field: target.name, reason: error.message });
      }
    }
    try {
      if (problems.length > 0) throw new WeftError('VALIDATION', 'bad cells', problems);
      const key = keyIndex >= 0 ? (source.cells[keyIndex] ?? '').trim() : '';
      const column =
        importRow.keyField === 'id' ? 'id' : importRow.keyField === 'email' ? 'email' : 'username';
      const existing =
        importRow.mode !== 'create' && key !== ''
          ? await db.selectFrom('users').select('id').where(column, '=', key).execute()
          : [];
      if (existing.length > 1)
        throw new WeftError('VALIDATION', 'ambiguous', [
          { field: importRow.keyField, reason: `matches ${existing.length} users` },
        ]);
      const match = existing[0];
      if (match && importRow.mode === 'skip') {
        counts.skipped++;
      } else if (match) {
        const { username: _username, password: _password, ...changes } = input;
        if (Object.keys(changes).length === 0) counts.unchanged++;
        else {
          if (!validateUpdate(changes))
            throw new WeftError('VALIDATION', 'invalid', fieldProblems(validateUpdate.errors ?? [], 'row'));
          await updateUser(db, settings, actor, match.id, changes as UserInput);
          counts.updated++;
          records.push({ id: match.id, action: 'updated' });
        }
      } else {
        const body = { password: randomBytes(18).toString('base64url'), ...input };
        if (!validateCreate(body))
          throw new WeftError('VALIDATION', 'invalid', fieldProblems(validateCreate.errors ?? [], 'row'));
        const user = await createUser(
          db,
          settings,
          actor,
          body as UserInput & { username: string; password: string },
        );
        counts.created++;
        records.push({ id: user.id, action: 'created' });
      }
    } catch (error) {
      if (!(error instanceof WeftError)) throw error;
      const details = Array.isArray(error.details)
        ? (error.details as { field?: string | null; reason?: string }[])
        : [];
      counts.failed++;
      errors.push(
        ...(details.length > 0
          ? details.map((detail) => ({
              row: source.row,
              field: detail.field ?? null,
              reason: detail.reason ?? error.message,
            }))
          : [{ row: source.row, field: null, reason: error.message }]),
      );
    }
    if (pending >= progressEvery) await flush();
  }
  if (pending > 0) await flush();
}
