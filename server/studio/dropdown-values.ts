import type { Dropdown } from '../../schemas/dropdowns.ts';
import type { Db } from '../db/index.ts';

/**
 * Checking a record's dropdown values. Record writes and imports check every dropdown
 * field of every row, so dropdowns are cached per process: a change made here is seen at
 * once, a change made by another process within `ttlMs`.
 */

const ttlMs = 10_000;
const cache = new Map<string, { dropdown: Dropdown; until: number }>();
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Called after a change commits, so that no reader caches the old version afterwards. */
export function forgetDropdowns(ids: string[]): void {
  for (const id of ids) cache.delete(id);
}

export async function loadDropdown(db: Db, id: string): Promise<Dropdown | undefined> {
  const hit = cache.get(id);
  if (hit && hit.until > performance.now()) return hit.dropdown;
  if (!uuidPattern.test(id)) return undefined;
  const dropdown = await db.selectFrom('dropdowns').selectAll().where('id', '=', id).executeTakeFirst();
  if (dropdown) cache.set(id, { dropdown, until: performance.now() + ttlMs });
  return dropdown;
}

export interface DropdownValueContext {
  /** The field's `options.multiple`: the value is a list of values. */
  multiple: boolean;
  /**
   * For a dependent dropdown, the record's value of the field holding the parent
   * dropdown; null or undefined when that is empty or the module has no such field.
   */
  parentValue?: string | string[] | null | undefined;
}

const quote = (value: string) => JSON.stringify(value);

/**
 * Why `value` may not be stored in a field using `dropdown`, or null if it may. An empty
 * value (null, undefined, []) is fine here: whether one is required is the field's rule.
 * A dependent dropdown's value must be allowed by one of the parent's values.
 */
export function checkDropdownValue(
  dropdown: Pick<Dropdown, 'name' | 'options' | 'multi' | 'parentId' | 'dependencies'>,
  value: unknown,
  { multiple, parentValue }: DropdownValueContext,
): string | null {
  if (value === null || value === undefined) return null;
  if (multiple && !dropdown.multi) return `dropdown ${quote(dropdown.name)} does not allow several values`;
  let values: string[];
  if (!multiple) {
    if (typeof value !== 'string') return `must be one value of dropdown ${quote(dropdown.name)}`;
    values = [value];
  } else if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) {
    values = value;
  } else {
    return `must be a list of values of dropdown ${quote(dropdown.name)}`;
  }
  if (new Set(values).size !== values.length) return 'repeats a value';
  const known = new Set(dropdown.options.map((option) => option.value));
  const unknown = values.find((v) => !known.has(v));
  if (unknown !== undefined) return `${quote(unknown)} is not a value of dropdown ${quote(dropdown.name)}`;
  if (dropdown.parentId === null || parentValue === null || parentValue === undefined) return null;
  const parents = Array.isArray(parentValue) ? parentValue : [parentValue];
  const allowed = new Set(parents.flatMap((parent) => dropdown.dependencies[parent] ?? []));
  const refused = values.find((v) => !allowed.has(v));
  return refused === undefined
    ? null
    : `${quote(refused)} is not allowed when the parent field is ${parents.map(quote).join(', ')}`;
}

/** `checkDropdownValue` for a dropdown known by id (cached). */
export async function validateDropdownValue(
  db: Db,
  dropdownId: string,
  value: unknown,
  context: DropdownValueContext,
): Promise<string | null> {
  if (value === null || value === undefined) return null;
  const dropdown = await loadDropdown(db, dropdownId);
  if (!dropdown) return 'uses a dropdown that no longer exists';
  return checkDropdownValue(dropdown, value, context);
}

/**
 * Why a field may not use `dropdownId` (with `multiple` values), or null if it may. Call it
 * in the transaction that writes the field: it locks the dropdown against deletion until then.
 */
export async function checkDropdownField(
  trx: Db,
  dropdownId: unknown,
  multiple: boolean,
): Promise<string | null> {
  if (typeof dropdownId !== 'string' || !uuidPattern.test(dropdownId)) return 'is not a dropdown id';
  const dropdown = await trx
    .selectFrom('dropdowns')
    .select(['name', 'multi'])
    .where('id', '=', dropdownId)
    .forShare()
    .executeTakeFirst();
  if (!dropdown) return 'names a dropdown that does not exist';
  if (multiple && !dropdown.multi)
    return `names dropdown ${quote(dropdown.name)}, which does not allow several values`;
  return null;
}
