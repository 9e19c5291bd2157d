/**
 * Field-level permissions per role: for a module's field, hidden or read-only (no entry:
 * editable). Set here (admin), merged into each principal by `loadPrincipal`
 * (server/platform/authz.ts) and enforced by the records feature (server/records/field-access.ts).
 */
import type { Db } from '../db/index.ts';
import type { FieldAccess } from '../db/types.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { notFound, WeftError } from '../platform/errors.ts';
import { listModules } from './modules.ts';

export interface FieldRule {
  module: string;
  field: string;
  access: FieldAccess;
}

export async function roleFieldRules(db: Db, roleId: string): Promise<{ items: FieldRule[] }> {
  const role = await db.selectFrom('roles').select('id').where('id', '=', roleId).executeTakeFirst();
  if (!role) throw notFound('Role');
  const items = await db
    .selectFrom('roleFieldPermissions')
    .select(['module', 'field', 'access'])
    .where('roleId', '=', roleId)
    .orderBy('module')
    .orderBy('field')
    .execute();
  return { items };
}

/** Replaces a role's rules; each must name a field of a module. */
export async function setRoleFieldRules(db: Db, actor: Actor, roleId: string, rules: FieldRule[]) {
  const modules = new Map((await listModules(db)).map((module) => [module.name, module]));
  const bad = rules.flatMap((rule, index) => {
    const module = modules.get(rule.module);
    if (!module) return [{ field: `/rules/${index}/module`, reason: `no module "${rule.module}"` }];
    if (!module.fields.some((field) => field.name === rule.field))
      return [{ field: `/rules/${index}/field`, reason: `${rule.module} has no field "${rule.field}"` }];
    return [];
  });
  if (bad.length > 0) throw new WeftError('VALIDATION', 'Some rules name no field', bad);
  await db.transaction().execute(async (trx) => {
    const role = await trx
      .selectFrom('roles')
      .select('id')
      .where('id', '=', roleId)
      .forUpdate()
      .executeTakeFirst();
    if (!role) throw notFound('Role');
    await trx.deleteFrom('roleFieldPermissions').where('roleId', '=', roleId).execute();
    if (rules.length > 0)
      await trx
        .insertInto('roleFieldPermissions')
        .values(rules.map((rule) => ({ roleId, ...rule })))
        .execute();
    await audit(trx, actor, 'role.fieldPermissions', { type: 'role', id: roleId }, { rules: rules.length });
  });
  return roleFieldRules(db, roleId);
}
