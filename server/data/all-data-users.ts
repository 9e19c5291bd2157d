/**
 * The people of an all-data archive: `roles.json` (name, description, admin flag, permission
 * matrix, field-level permissions), `groups.json` (name, description) and `users.csv` (the
 * users file, data/user-export.ts: profile, status, role and group names).
 *
 * No password and no password hash leaves the installation: a hash is a credential that can
 * be cracked offline wherever the archive travels (a mailbox, a shared drive), and an archive
 * is read by people who are not meant to hold the users' secrets. A user the import creates
 * gets a long random password nobody knows and is listed in the answer (`needPassword`), so
 * the admin resets it (or the user uses "forgot password") before they sign in.
 *
 * Importing matches roles and groups on their name and users on their username
 * (case-insensitive): "skip" keeps what exists, "overwrite" updates it. The answer maps each
 * exported user and group id to the id here, which the records' assignment columns then take.
 */
import { randomBytes } from 'node:crypto';
import type JSZip from 'jszip';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { FieldAccess, PermissionMatrix } from '../db/types.ts';
import { createGroup } from '../identity/groups.ts';
import { createRole, updateRole } from '../identity/roles.ts';
import { createUser, type UserInput, updateUser } from '../identity/users.ts';
import type { Actor } from '../platform/audit.ts';
import { WeftError } from '../platform/errors.ts';
import type { SettingsService } from '../platform/settings.ts';
import { readTable } from './import-parse.ts';
import { list } from './import-values.ts';
import { exportUsers } from './user-export.ts';

export interface ManifestUsers {
  file: string;
  records: number;
  roles: string;
  groups: string;
}

interface RoleEntry {
  id: string;
  name: string;
  description: string | null;
  isAdmin: boolean;
  permissions: PermissionMatrix;
  fieldAccess: Array<{ module: string; field: string; access: FieldAccess }>;
}
interface GroupEntry {
  id: string;
  name: string;
  description: string | null;
}

/** Adds the roles, groups and users to the archive; answers the manifest's `users` entry. */
export async function addPeople(db: Db, zip: JSZip): Promise<ManifestUsers> {
  const roles = await db
    .selectFrom('roles')
    .select(['id', 'name', 'description', 'isAdmin', 'permissions'])
    .orderBy('name')
    .execute();
  const access = await db
    .selectFrom('roleFieldPermissions')
    .select(['roleId', 'module', 'field', 'access'])
    .execute();
  const roleEntries: RoleEntry[] = roles.map((role) => ({
    ...role,
    permissions: role.permissions as PermissionMatrix,
    fieldAccess: access
      .filter((row) => row.roleId === role.id)
      .map(({ module, field, access }) => ({ module, field, access })),
  }));
  const groups: GroupEntry[] = await db
    .selectFrom('groups')
    .select(['id', 'name', 'description'])
    .orderBy('name')
    .execute();
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from users`.execute(db);
  zip.file('roles.json', JSON.stringify(roleEntries, null, 2));
  zip.file('groups.json', JSON.stringify(groups, null, 2));
  zip.file('users.csv', exportUsers(db).body);
  return { file: 'users.csv', records: rows[0]?.n ?? 0, roles: 'roles.json', groups: 'groups.json' };
}

export interface PeopleResult {
  roles: { created: number; updated: number; skipped: number };
  groups: { created: number; skipped: number };
  users: {
    created: number;
    updated: number;
    skipped: number;
    /** Created here with a random password: an admin resets it before they sign in. */
    needPassword: string[];
    failed: Array<{ username: string; reason: string }>;
  };
}

const badArchive = (file: string, reason: string) =>
  new WeftError('VALIDATION', `The archive's ${file} ${reason}`, [
    { field: 'body', reason: `${file} ${reason}` },
  ]);

async function jsonFile<T>(zip: JSZip, file: string): Promise<T[]> {
  const text = await zip.file(file)?.async('string');
  if (text === undefined) throw badArchive(file, 'is missing');
  try {
    const value = JSON.parse(text) as unknown;
    if (!Array.isArray(value)) throw new Error('not a list');
    return value as T[];
  } catch {
    throw badArchive(file, 'is not a JSON list');
  }
}

const lower = (text: string) => text.toLowerCase();
const flag = (text: string | undefined) => (text === undefined || text === '' ? undefined : text === 'true');

/**
 * Brings the archive's roles, groups and users in. Answers what it did and `ids`: each
 * exported user and group id → its id here.
 */
export async function importPeople(
  db: Db,
  settings: SettingsService,
  actor: Actor & { id: string },
  zip: JSZip,
  entry: ManifestUsers,
  mode: 'overwrite' | 'skip',
): Promise<{ result: PeopleResult; ids: Map<string, string> }> {
  const result: PeopleResult = {
    roles: { created: 0, updated: 0, skipped: 0 },
    groups: { created: 0, skipped: 0 },
    users: { created: 0, updated: 0, skipped: 0, needPassword: [], failed: [] },
  };
  const ids = new Map<string, string>();

  // Roles by name.
  const roleIds = new Map(
    (await db.selectFrom('roles').select(['id', 'name', 'isAdmin']).execute()).map((role) => [
      lower(role.name),
      role,
    ]),
  );
  for (const role of await jsonFile<RoleEntry>(zip, String(entry.roles))) {
    if (typeof role?.name !== 'string' || role.name === '')
      throw badArchive(String(entry.roles), 'has a role with no name');
    const here = roleIds.get(lower(role.name));
    let id: string;
    if (!here) {
      id = (
        await createRole(db, actor, {
          name: role.name,
          description: role.description ?? null,
          isAdmin: role.isAdmin === true,
          permissions: role.permissions ?? {},
        })
      ).id;
      roleIds.set(lower(role.name), { id, name: role.name, isAdmin: role.isAdmin === true });
      result.roles.created++;
    } else if (mode === 'overwrite' && !here.isAdmin) {
      // An admin role here stays as it is: an archive never takes an installation's admins away.
      id = here.id;
      await updateRole(db, actor, id, {
        description: role.description ?? null,
        permissions: role.permissions ?? {},
      });
      await db.deleteFrom('roleFieldPermissions').where('roleId', '=', id).execute();
      result.roles.updated++;
    } else {
      result.roles.skipped++;
      continue;
    }
    const fields = Array.isArray(role.fieldAccess) ? role.fieldAccess : [];
    if (fields.length > 0)
      await db
        .insertInto('roleFieldPermissions')
        .values(fields.map(({ module, field, access }) => ({ roleId: id, module, field, access })))
        .onConflict((oc) => oc.doNothing())
        .execute();
  }

  // Groups by name (their members come with the users).
  const groupIds = new Map(
    (await db.selectFrom('groups').select(['id', 'name']).execute()).map((group) => [
      lower(group.name),
      group.id,
    ]),
  );
  for (const group of await jsonFile<GroupEntry>(zip, String(entry.groups))) {
    if (typeof group?.name !== 'string' || group.name === '')
      throw badArchive(String(entry.groups), 'has a group with no name');
    let id = groupIds.get(lower(group.name));
    if (id) result.groups.skipped++;
    else {
      id = (await createGroup(db, actor, { name: group.name, description: group.description ?? null })).id;
      groupIds.set(lower(group.name), id);
      result.groups.created++;
    }
    if (typeof group.id === 'string') ids.set(group.id, id);
  }

  // Users by username.
  const csv = await zip.file(String(entry.file))?.async('nodebuffer');
  if (!csv) throw badArchive(String(entry.file), 'is missing');
  const table = await readTable(csv, 'csv');
  const column = (name: string) => table.header.indexOf(name);
  const at = (row: string[], name: string) => {
    const index = column(name);
    return index < 0 ? undefined : row[index];
  };
  if (column('username') < 0) throw badArchive(String(entry.file), 'has no username column');
  const existing = new Map(
    (await db.selectFrom('users').select(['id', 'username']).execute()).map((user) => [
      lower(user.username),
      user.id,
    ]),
  );
  for (const row of table.rows) {
    const username = at(row, 'username') ?? '';
    const sourceId = at(row, 'id') ?? '';
    const names = (cell: string | undefined, known: Map<string, { id: string } | string>) =>
      list(cell ?? '').flatMap((name) => {
        const found = known.get(lower(name));
        return found === undefined ? [] : [typeof found === 'string' ? found : found.id];
      });
    const input: UserInput = {
      firstName: at(row, 'firstName') ?? '',
      lastName: at(row, 'lastName') ?? '',
      email: at(row, 'email') || null,
      title: at(row, 'title') || null,
      phone: at(row, 'phone') || null,
      ...(flag(at(row, 'active')) !== undefined && { active: flag(at(row, 'active')) }),
      ...(flag(at(row, 'available')) !== undefined && { available: flag(at(row, 'available')) }),
      ...(flag(at(row, 'invisible')) !== undefined && { invisible: flag(at(row, 'invisible')) }),
      roleIds: names(at(row, 'roles'), roleIds),
      groupIds: names(at(row, 'groups'), groupIds),
    } as UserInput;
    const here = existing.get(lower(username));
    try {
      if (here && (mode === 'skip' || here === actor.id)) {
        // The importing admin is never changed by the archive (it could take their admin role away).
        result.users.skipped++;
      } else if (here) {
        await updateUser(db, settings, actor, here, input);
        result.users.updated++;
      } else {
        const created = await createUser(db, settings, actor, {
          ...input,
          username,
          password: randomBytes(24).toString('base64url'),
        });
        existing.set(lower(username), created.id);
        result.users.created++;
        result.users.needPassword.push(username);
      }
      const id = existing.get(lower(username));
      if (id && sourceId) ids.set(sourceId, id);
    } catch (error) {
      if (!(error instanceof WeftError)) throw error;
      const details = Array.isArray(error.details)
        ? (error.details as { field?: string; reason?: string }[])
        : [];
      result.users.failed.push({
        username,
        reason:
          details.length > 0
            ? details.map((d) => `${d.field ?? ''} ${d.reason ?? ''}`.trim()).join('; ')
            : error.message,
      });
    }
  }
  return { result, ids };
}

const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);

/**
 * A module's CSV with its assignment columns translated to this installation's user and group
 * ids (an id the archive's people did not bring becomes empty: the importing admin). Cells
 * are written back as they were read, so the import's own unescaping sees the same text.
 */
export async function translateAssignees(
  csv: Buffer,
  columns: string[],
  ids: Map<string, string>,
): Promise<Buffer> {
  const table = await readTable(csv, 'csv');
  const indexes = columns.map((name) => table.header.indexOf(name)).filter((index) => index >= 0);
  const lines = [table.header, ...table.rows].map((row, n) =>
    row
      .map((cell, index) => (n > 0 && indexes.includes(index) ? (ids.get(cell.toLowerCase()) ?? '') : cell))
      .map(quote)
      .join(','),
  );
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}
