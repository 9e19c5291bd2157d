/**
 * What a run's `user` is: the acting user's profile (the one whose change or sign-in
 * started it), so that `{{user.email}}` and `{{user.firstName}}` mean something. An event
 * carries only the actor's id; the dispatcher and test runs load profiles here, one query
 * for a whole batch of events.
 */
import type { Db } from '../db/index.ts';
import { recordsDb } from '../studio/fields.ts';
import { findModule } from '../studio/modules.ts';
import { toRecord } from '../studio/record-schema.ts';

export interface UserProfile {
  id: string;
  username: string;
  firstName: string;
  lastName: string;
  /** First and last name, as the app shows it. */
  name: string;
  email: string | null;
  title: string | null;
  phone: string | null;
  groups: Array<{ id: string; name: string }>;
}

export async function userProfiles(
  db: Db,
  ids: ReadonlyArray<string | null>,
): Promise<Map<string, UserProfile>> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
  const profiles = new Map<string, UserProfile>();
  if (wanted.length === 0) return profiles;
  const [users, groups] = await Promise.all([
    db
      .selectFrom('users')
      .select(['id', 'username', 'firstName', 'lastName', 'email', 'title', 'phone'])
      .where('id', 'in', wanted)
      .execute(),
    db
      .selectFrom('groupMembers')
      .innerJoin('groups', 'groups.id', 'groupMembers.groupId')
      .select(['groupMembers.userId', 'groups.id', 'groups.name'])
      .where('groupMembers.userId', 'in', wanted)
      .orderBy('groups.name')
      .execute(),
  ]);
  for (const user of users) {
    profiles.set(user.id, {
      ...user,
      name: `${user.firstName} ${user.lastName}`.trim(),
      groups: groups.filter((g) => g.userId === user.id).map((g) => ({ id: g.id, name: g.name })),
    });
  }
  return profiles;
}

/** The run's input with its `user` ({ id } from the event) replaced by the profile, when there is one. */
export function withUserProfile<T extends { user?: unknown }>(
  input: T,
  profiles: Map<string, UserProfile>,
): T {
  const id = (input.user as { id?: unknown } | null | undefined)?.id;
  const profile = typeof id === 'string' ? profiles.get(id) : undefined;
  return profile ? { ...input, user: profile } : input;
}

/**
 * The records a run's record links to, by path (`company`, `company.parent`), for templates
 * (engine/core/template-links.ts). Read with full rights, as the flow's actions are (they act
 * in the name of the flow's author with an admin's reach). A path whose field is not a link
 * or an assignment is left out; a link to a record that is gone is null.
 *
 * Batched: depth by depth (`company.parent` is read from the `company` loaded), one query
 * per linked module and one profile read for all the assignments at that depth, however
 * many paths lead there (test/run-links.test.ts counts them).
 */
export async function loadLinks(
  db: Db,
  record: Record<string, unknown>,
  paths: readonly string[],
): Promise<Record<string, Record<string, unknown> | null>> {
  const loaded: Record<string, Record<string, unknown> | null> = {};
  const holders = new Map<string, Record<string, unknown>>([['', record]]);
  const depths = [...new Set(paths.map((path) => path.split('.').length))].sort((a, b) => a - b);
  for (const depth of depths) {
    const people: { path: string; id: string }[] = [];
    const records = new Map<string, { path: string; id: string }[]>();
    for (const path of paths) {
      if (path.split('.').length !== depth) continue;
      const cut = path.lastIndexOf('.');
      const holder = holders.get(cut === -1 ? '' : path.slice(0, cut));
      const fieldName = path.slice(cut + 1);
      if (!holder || typeof holder.module !== 'string') continue;
      const value = holder[fieldName];
      if (typeof value !== 'string' || value === '') continue;
      const field = (await findModule(db, holder.module))?.fields.find((f) => f.name === fieldName);
      if (field?.type === 'assignment') people.push({ path, id: value });
      if (field?.type !== 'link') continue;
      const options = (field.options ?? {}) as { module?: string; moduleField?: string };
      const target = options.module ?? (options.moduleField ? holder[options.moduleField] : undefined);
      if (typeof target !== 'string') continue;
      records.set(target, [...(records.get(target) ?? []), { path, id: value }]);
    }
    const profiles = await userProfiles(
      db,
      people.map((person) => person.id),
    );
    for (const { path, id } of people) {
      const profile = profiles.get(id);
      loaded[path] = profile ? { ...profile } : null;
    }
    for (const [target, wanted] of records) {
      const found = await recordsById(db, target, [...new Set(wanted.map((w) => w.id))]);
      for (const { path, id } of wanted) {
        const linked = found.get(id);
        loaded[path] = linked ? { ...linked, module: target } : null;
        if (linked) holders.set(path, loaded[path] as Record<string, unknown>);
      }
    }
  }
  return loaded;
}

/** Records of one module by id, in one query (no access check: the flow's reach). */
async function recordsById(
  db: Db,
  moduleName: string,
  ids: string[],
): Promise<Map<string, Record<string, unknown>>> {
  const module = await findModule(db, moduleName);
  const found = new Map<string, Record<string, unknown>>();
  // A link's id that is not a uuid names nothing (and would fail the query's cast).
  const valid = ids.filter((id) => uuidPattern.test(id));
  if (!module || valid.length === 0) return found;
  const rows = await recordsDb(db).selectFrom(module.table).selectAll().where('id', 'in', valid).execute();
  for (const row of rows) {
    const values = toRecord(module, row as Record<string, unknown>);
    found.set(String(values.id), values);
  }
  return found;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
