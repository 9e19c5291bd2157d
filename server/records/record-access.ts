import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { Action } from '../db/types.ts';
import { type Principal, requireScope, visibleAssignees } from '../platform/authz.ts';
import { forbidden } from '../platform/errors.ts';

/**
 * Role permissions as SQL conditions on a records table, so that every read, write and
 * list filters in the query itself: a record outside the scope is never fetched.
 */

/** The condition for `action` on a module's records, or null when the principal reaches every record. */
export async function accessCondition(
  db: Db,
  principal: Principal,
  module: string,
  action: Action,
): Promise<RawBuilder<SqlBool> | null> {
  const scope = requireScope(principal, module, action);
  const reach = await visibleAssignees(db, principal, scope);
  const parts: RawBuilder<SqlBool>[] = [];
  if (reach !== null) parts.push(sql<SqlBool>`assigned_to = any(${reach}::uuid[])`);
  if (!principal.isAdmin) {
    // A private record is seen by its assignee (or the members of its assigned group) only.
    const mine = [principal.id, ...principal.groupIds];
    parts.push(sql<SqlBool>`(visibility = 'public' or assigned_to = any(${mine}::uuid[]))`);
  }
  if (parts.length === 0) return null;
  return sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

/** For a create: the assignee must be one the principal's create scope reaches. */
export async function checkAssignee(
  db: Db,
  principal: Principal,
  module: string,
  assignee: string | null,
): Promise<void> {
  const scope = requireScope(principal, module, 'create');
  const reach = await visibleAssignees(db, principal, scope);
  if (reach !== null && (assignee === null || !reach.includes(assignee))) {
    throw forbidden(
      `Your roles let you create ${module} records assigned to you${scope === 'groups' ? ' or your groups' : ''} only`,
    );
  }
}
