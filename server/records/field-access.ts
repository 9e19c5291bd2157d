/**
 * Field-level permissions in the records feature: hidden fields are left out of what a
 * caller reads (records, lists, changelog, `_display`) and out of what it may filter, sort or
 * search on (the query compiler does not know them, so it refuses them as unknown); hidden and
 * read-only fields may not be written. The rules are per role (`role_field_permissions`,
 * merged into the principal by `loadPrincipal`); admins are never restricted.
 */
import type { Principal } from '../platform/authz.ts';
import { fieldAccessFor } from '../platform/authz.ts';
import { WeftError } from '../platform/errors.ts';
import type { ModuleDefinition } from '../studio/modules.ts';
import type { QueryField } from './record-query.ts';

export function hiddenFields(principal: Principal, module: string): Set<string> {
  if (principal.isAdmin) return new Set();
  const fields = principal.fieldAccess?.[module] ?? {};
  return new Set(Object.entries(fields).flatMap(([name, access]) => (access === 'hidden' ? [name] : [])));
}

/** The module's query fields the principal may see (for where, sort, columns and search). */
export function visibleQueryFields(principal: Principal, module: string, fields: QueryField[]): QueryField[] {
  const hidden = hiddenFields(principal, module);
  return hidden.size === 0 ? fields : fields.filter((field) => !hidden.has(field.name));
}

/** A record (or anything keyed by field) without the fields hidden from the principal, `_display` included. */
export function redact<T extends Record<string, unknown>>(
  principal: Principal,
  module: string,
  record: T,
): T {
  const hidden = hiddenFields(principal, module);
  if (hidden.size === 0) return record;
  const kept = Object.fromEntries(Object.entries(record).filter(([name]) => !hidden.has(name)));
  const display = record._display;
  if (display !== null && typeof display === 'object') {
    kept._display = Object.fromEntries(Object.entries(display).filter(([name]) => !hidden.has(name)));
  }
  return kept as T;
}

/** Refuses a write that sets a field hidden or read-only for the principal, naming each. */
export function checkWritable(
  principal: Principal,
  module: ModuleDefinition,
  values: Record<string, unknown>,
): void {
  if (principal.isAdmin || !principal.fieldAccess?.[module.name]) return;
  const refused = Object.keys(values).flatMap((name) => {
    const access = fieldAccessFor(principal, module.name, name);
    return access === 'editable'
      ? []
      : [
          {
            field: name,
            reason: access === 'hidden' ? 'is hidden from your roles' : 'is read-only for your roles',
          },
        ];
  });
  if (refused.length > 0) {
    throw new WeftError(
      'FORBIDDEN',
      `Your roles may not change ${refused.map((r) => r.field).join(', ')} on ${module.name}`,
      refused,
    );
  }
}

/** Every field name a json-logic condition reads (`{ "var": "company.name" }` reads `company`). */
export function fieldsReadBy(condition: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(condition)) for (const item of condition) fieldsReadBy(item, into);
  else if (condition !== null && typeof condition === 'object') {
    for (const [key, value] of Object.entries(condition)) {
      if (key === 'var') {
        const path = Array.isArray(value) ? value[0] : value;
        if (typeof path === 'string' && path !== '') into.add(path.split('.')[0] as string);
      } else fieldsReadBy(value, into);
    }
  }
  return into;
}

/**
 * List criteria may not read a field hidden from the caller: filtering or sorting on it would
 * tell its values (who has phone "555…"). Checked where criteria come in — the records list,
 * count and bulk routes and a dynamic list's criteria (lists.ts) — before any SQL is built, and
 * answered as a 400 naming the parameter and the field. `where` is parsed JSON or its text.
 */
export function refuseHiddenCriteria(
  principal: Principal,
  module: string,
  criteria: { where?: unknown; sort?: string | undefined; whereField?: string },
): void {
  const hidden = hiddenFields(principal, module);
  if (hidden.size === 0) return;
  const problems: Array<{ field: string; reason: string }> = [];
  let where = criteria.where;
  if (typeof where === 'string') {
    try {
      where = JSON.parse(where);
    } catch {
      where = undefined; // not JSON: the query compiler answers that
    }
  }
  for (const name of fieldsReadBy(where))
    if (hidden.has(name))
      problems.push({
        field: criteria.whereField ?? 'where',
        reason: `filters on "${name}", a field hidden from your roles`,
      });
  for (const part of (criteria.sort ?? '').split(',')) {
    const name = part.trim().replace(/^[-+]/, '');
    if (hidden.has(name))
      problems.push({ field: 'sort', reason: `sorts on "${name}", a field hidden from your roles` });
  }
  if (problems.length > 0)
    throw new WeftError(
      'VALIDATION',
      `You may not filter or sort on a field your roles cannot see: ${problems.map((p) => p.reason).join('; ')}`,
      problems,
    );
}
