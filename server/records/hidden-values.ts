import type { Db } from '../db/index.ts';
import { columnName, recordsDb } from '../studio/fields.ts';
import { findModule, underSchemaToken } from '../studio/modules.ts';

/** What a masked value reads as. */
export const maskedValue = '•••';

const textsOf = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (typeof value === 'string') return [value];
  if (typeof value === 'number') return [String(value)];
  if (value instanceof Date) return [value.toISOString(), value.toISOString().slice(0, 10)];
  return [];
};

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Text a flow writes about a record for many readers at once (a feed post) with the record's
 * values of every field some role hides replaced by "•••". A post has one text for everyone
 * who may see it, and flows act as their owner (who may read every field): without this, a
 * template such as "Call {{record.phone}}" would show the phone to the very roles that may not
 * see it, in the feed, on the record and in live pushes. Values shorter than 3 characters are
 * left (they would mask ordinary words); the flow's owner reads the full value on the record.
 */
export async function maskHiddenValues(
  db: Db,
  moduleName: string,
  recordId: string,
  text: string,
): Promise<string> {
  const module = await findModule(db, moduleName);
  if (!module) return text;
  const hidden = await underSchemaToken(db, 'hiddenFields', async (read) =>
    (
      await read
        .selectFrom('roleFieldPermissions')
        .select(['module', 'field'])
        .distinct()
        .where('access', '=', 'hidden')
        .execute()
    ).map((row) => `${row.module}.${row.field}`),
  );
  const fields = module.fields.filter((field) => hidden.includes(`${module.name}.${field.name}`));
  if (fields.length === 0) return text;
  const row = await recordsDb(db)
    .selectFrom(module.table)
    .select(fields.map((field) => columnName(field.name)))
    .where('id', '=', recordId)
    .executeTakeFirst();
  if (!row) return text;
  const values = fields
    .flatMap((field) => textsOf((row as Record<string, unknown>)[columnName(field.name)]))
    .filter((value) => value.trim().length >= 3)
    // Longest first, so that a value containing another is masked whole.
    .sort((a, b) => b.length - a.length);
  let masked = text;
  for (const value of values) masked = masked.replace(new RegExp(literal(value), 'gi'), maskedValue);
  return masked;
}
