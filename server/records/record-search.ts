/**
 * `q`: search over a module's searchable fields.
 *
 * Trigram-indexed ILIKE rather than PostgreSQL full-text search, because CRM search is
 * typing the start or a piece of a name, an email, a company or a phone number: "jo",
 * "smith@", "acme", "555-01". `to_tsvector('simple', …)` matches whole tokens (prefixes
 * only with `:*`, and never the middle of a token: an email is one token, so "acme"
 * does not find "john@acme.com"); there is no stemming to gain on names and emails.
 * `ILIKE '%word%'` finds any piece, case-insensitively, and a GIN `gin_trgm_ops` index
 * (pg_trgm, a contrib extension shipped with PostgreSQL and with the embedded binaries)
 * serves it for words of three characters or more. It is also how users, groups and roles
 * are searched (pagination.ts `containsPattern`). The index is fields.ts's: `applyConstraints`
 * gives every searchable text field `gin (column gin_trgm_ops)`, which is what this reads.
 *
 * Several words must each match some searchable field, so "john acme" finds John at Acme.
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import { containsPattern } from '../platform/pagination.ts';
import { kindOf, type QueryField, refuse } from './record-fields.ts';

const maxQueryLength = 200;
const maxWords = 8;

/** Only text columns are searched: numbers, dates and lists have filters of their own in `where`. */
export const isSearchable = (field: QueryField) => field.searchable && kindOf(field) === 'text';

/** The condition for `q`, or undefined when there is nothing to search for. */
export function searchCondition(
  q: string | undefined,
  fields: readonly QueryField[],
): Expression<SqlBool> | undefined {
  const words = (q ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  if ((q ?? '').length > maxQueryLength) throw refuse('q', `is longer than ${maxQueryLength} characters`);
  if (words.length > maxWords) throw refuse('q', `has more than ${maxWords} words`);
  if (q?.includes('\u0000')) throw refuse('q', 'must not contain the NUL character (U+0000)');
  const columns = fields.filter(isSearchable).map((field) => sql.ref(field.column));
  if (columns.length === 0) throw refuse('q', 'this module has no searchable fields');
  const matches = words.map((word) => {
    const pattern = containsPattern(word);
    return sql<SqlBool>`(${sql.join(
      columns.map((column) => sql`${column} ilike ${pattern}`),
      sql` or `,
    )})`;
  });
  return sql<SqlBool>`(${sql.join(matches, sql` and `)})`;
}
