/**
 * What a run's `user` is: the acting user's profile (the one whose change or sign-in
 * started it), so that `{{user.email}}` and `{{user.firstName}}` mean something. An event
 * carries only the actor's id; the dispatcher and test runs load profiles here, one query
 * for a whole batch of events.
 */
import type { Db } from '../db/index.ts';
import type { Principal } from '../platform/authz.ts';
import { getRecord } from '../records/records.ts';
import { findModule } from '../studio/modules.ts';

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
 */
export async function loadLinks(
  db: Db,
  record: Record<string, unknown>,
  paths: readonly string[],
): Promise<Record<string, Record<string, unknown> | null>> {
  const principal: Principal = {
    id: '00000000-0000-0000-0000-000000000000',
    username: 'workflow',
    isAdmin: true,
    roleIds: [],
    groupIds: [],
    permissions: {},
  };
  const loaded: Record<string, Record<string, unknown> | null> = {};
  const holders = new Map<string, Record<string, unknown>>([['', record]]);
  // Shorter paths first: `company.parent` is read from the record `company` loaded.
  for (const path of [...paths].sort((a, b) => a.split('.').length - b.split('.').length)) {
    const cut = path.lastIndexOf('.');
    const holder = holders.get(cut === -1 ? '' : path.slice(0, cut));
    const fieldName = path.slice(cut + 1);
    if (!holder || typeof holder.module !== 'string') continue;
    const value = holder[fieldName];
    if (typeof value !== 'string' || value === '') continue;
    const module = await findModule(db, holder.module);
    const field = module?.fields.find((f) => f.name === fieldName);
    if (!field) continue;
    if (field.type === 'assignment') {
      const profile = (await userProfiles(db, [value])).get(value);
      loaded[path] = profile ? { ...profile } : null;
      continue;
    }
    if (field.type !== 'link') continue;
    const options = (field.options ?? {}) as { module?: string; moduleField?: string };
    const target = options.module ?? (options.moduleField ? holder[options.moduleField] : undefined);
    if (typeof target !== 'string') continue;
    const linked = await getRecord(db, principal, target, value).catch(() => null);
    const withModule = linked ? { ...linked, module: target } : null;
    loaded[path] = withModule;
    if (withModule) holders.set(path, withModule);
  }
  return loaded;
}
