/**
 * What a run's `user` is: the acting user's profile (the one whose change or sign-in
 * started it), so that `{{user.email}}` and `{{user.firstName}}` mean something. An event
 * carries only the actor's id; the dispatcher and test runs load profiles here, one query
 * for a whole batch of events.
 */
import type { Db } from '../db/index.ts';

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
