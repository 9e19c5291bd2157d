import type { Db } from '../db/index.ts';
import type { Action, FieldAccess, PermissionMatrix, Scope } from '../db/types.ts';
import { forbidden } from './errors.ts';

/** Who is asking, with everything authorization needs, loaded once per request. */
export interface Principal {
  id: string;
  username: string;
  isAdmin: boolean;
  roleIds: string[];
  groupIds: string[];
  /** The union of the principal's role matrices, each cell the widest scope any role grants. */
  permissions: PermissionMatrix;
  /**
   * Fields hidden or read-only for every one of the principal's roles (module → field →
   * access); a field one role leaves editable is editable. Absent: every field editable.
   */
  fieldAccess?: Record<string, Record<string, FieldAccess>>;
}

/**
 * Field-level permissions merged as scopes are: the most permissive role wins, so a field is
 * hidden only if every role hides it, and read-only if none makes it editable.
 */
export function mergeFieldAccess(
  roleIds: readonly string[],
  rows: ReadonlyArray<{ roleId: string; module: string; field: string; access: FieldAccess }>,
): Record<string, Record<string, FieldAccess>> {
  const byField = new Map<string, Map<string, FieldAccess>>();
  for (const row of rows) {
    const key = `${row.module}\u0000${row.field}`;
    const roles = byField.get(key) ?? new Map<string, FieldAccess>();
    roles.set(row.roleId, row.access);
    byField.set(key, roles);
  }
  const merged: Record<string, Record<string, FieldAccess>> = {};
  for (const [key, roles] of byField) {
    if (roleIds.some((roleId) => !roles.has(roleId))) continue;
    const [module = '', field = ''] = key.split('\u0000');
    const access: FieldAccess = [...roles.values()].includes('readOnly') ? 'readOnly' : 'hidden';
    merged[module] = { ...merged[module], [field]: access };
  }
  return merged;
}

/** How the principal may use a field: hidden, read-only or editable (admins: always editable). */
export function fieldAccessFor(
  principal: Principal,
  module: string,
  field: string,
): FieldAccess | 'editable' {
  if (principal.isAdmin) return 'editable';
  return principal.fieldAccess?.[module]?.[field] ?? 'editable';
}

const rank: Record<Scope, number> = { none: 0, own: 1, groups: 2, all: 3 };
const actions: Action[] = ['view', 'create', 'update', 'delete'];

/**
 * Each role is first read on its own (its module row, else its `*` row, cell by cell),
 * then the widest scope wins. Merging rows before that would let one role's module row
 * hide another role's `*` grant, and would lose an explicit `none` that overrides `*`.
 */
export function mergeMatrices(matrices: PermissionMatrix[]): PermissionMatrix {
  const modules = new Set(matrices.flatMap((matrix) => Object.keys(matrix)));
  const merged: PermissionMatrix = {};
  for (const module of modules) {
    const row: Partial<Record<Action, Scope>> = {};
    for (const action of actions) {
      for (const matrix of matrices) {
        const scope = matrix[module]?.[action] ?? matrix['*']?.[action] ?? 'none';
        if (rank[scope] >= rank[row[action] ?? 'none']) row[action] = scope;
      }
    }
    merged[module] = row;
  }
  return merged;
}

export async function loadPrincipal(db: Db, userId: string): Promise<Principal | undefined> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'username'])
    .where('id', '=', userId)
    .where('active', '=', true)
    .executeTakeFirst();
  if (!user) return undefined;
  const [roles, groups] = await Promise.all([
    db
      .selectFrom('userRoles')
      .innerJoin('roles', 'roles.id', 'userRoles.roleId')
      .select(['roles.id', 'roles.isAdmin', 'roles.permissions'])
      .where('userRoles.userId', '=', userId)
      .execute(),
    db.selectFrom('groupMembers').select('groupId').where('userId', '=', userId).execute(),
  ]);
  const roleIds = roles.map((role) => role.id);
  const fieldRows =
    roleIds.length === 0
      ? []
      : await db
          .selectFrom('roleFieldPermissions')
          .select(['roleId', 'module', 'field', 'access'])
          .where('roleId', 'in', roleIds)
          .execute();
  return {
    id: user.id,
    username: user.username,
    isAdmin: roles.some((role) => role.isAdmin),
    roleIds,
    groupIds: groups.map((group) => group.groupId),
    permissions: mergeMatrices(roles.map((role) => role.permissions)),
    fieldAccess: mergeFieldAccess(roleIds, fieldRows),
  };
}

/** The scope a principal has for an action on a module: its own row, else the `*` row, else none. */
export function scopeFor(principal: Principal, module: string, action: Action): Scope {
  if (principal.isAdmin) return 'all';
  const cell = principal.permissions[module]?.[action] ?? principal.permissions['*']?.[action];
  return cell ?? 'none';
}

export function requireAdmin(principal: Principal): void {
  if (!principal.isAdmin) throw forbidden('Only administrators may do this');
}

/** Throws 403 unless the principal has some scope for the action; returns that scope. */
export function requireScope(principal: Principal, module: string, action: Action): Exclude<Scope, 'none'> {
  const scope = scopeFor(principal, module, action);
  if (scope === 'none') throw forbidden(`Your roles do not allow ${action} on ${module}`);
  return scope;
}

/**
 * The assignees (user or group ids) whose records a scope reaches, for use in a list
 * query's WHERE clause: `null` means every record. "groups" reaches records assigned to
 * me, to my groups, and to the members of my groups.
 */
export async function visibleAssignees(db: Db, principal: Principal, scope: Scope): Promise<string[] | null> {
  switch (scope) {
    case 'all':
      return null;
    case 'none':
      return [];
    case 'own':
      return [principal.id];
    case 'groups': {
      if (principal.groupIds.length === 0) return [principal.id];
      const members = await db
        .selectFrom('groupMembers')
        .select('userId')
        .distinct()
        .where('groupId', 'in', principal.groupIds)
        .execute();
      return [...new Set([principal.id, ...principal.groupIds, ...members.map((member) => member.userId)])];
    }
  }
}

/**
 * Whose entries of a record's action history (its changelog) the principal may see, under the
 * `actionHistoryPrivacy` setting (X2CRM's "Action History Privacy"): `null` for all of them
 * (the default, and always for admins); `user`: only the principal's own; `group`: the
 * principal's and those of the members of the principal's groups. Entries written by no one
 * (the system) are shown only under the default.
 */
export async function historyActors(
  db: Db,
  principal: Principal,
  privacy: 'default' | 'user' | 'group',
): Promise<string[] | null> {
  if (principal.isAdmin || privacy === 'default') return null;
  if (privacy === 'user' || principal.groupIds.length === 0) return [principal.id];
  const members = await db
    .selectFrom('groupMembers')
    .select('userId')
    .distinct()
    .where('groupId', 'in', principal.groupIds)
    .execute();
  return [...new Set([principal.id, ...members.map((member) => member.userId)])];
}

/** For single-record checks: may the principal act on a record assigned to `assignee`? */
export async function canActOn(
  db: Db,
  principal: Principal,
  module: string,
  action: Action,
  assignee: string | null,
): Promise<boolean> {
  const reach = await visibleAssignees(db, principal, scopeFor(principal, module, action));
  return reach === null || (assignee !== null && reach.includes(assignee));
}
