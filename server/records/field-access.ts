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
