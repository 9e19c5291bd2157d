import { WeftError } from './errors.ts';

/** A cursor is the sort key of the last row served, opaque to clients. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** What a cursor part must be before it reaches SQL: a forged one would otherwise fail there as a 500. */
export type CursorPart = 'text' | 'uuid' | 'integer' | 'timestamp';

/** Text PostgreSQL can hold: no U+0000 and no half of a UTF-16 surrogate pair. */
export const storableText = (text: string) => !text.includes('\u0000') && text.isWellFormed();

// As `toISOString()` or PostgreSQL's `to_json(timestamptz)` print it.
const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:\d{2})?)$/;

const partIs: Record<CursorPart, (part: unknown) => boolean> = {
  text: (part) => typeof part === 'string' && storableText(part),
  uuid: (part) => typeof part === 'string' && /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(part),
  integer: (part) => Number.isSafeInteger(part),
  timestamp: (part) =>
    typeof part === 'string' && timestampPattern.test(part) && !Number.isNaN(new Date(part).getTime()),
};

/** Each part's kind, checked before any part reaches SQL. */
export function decodeCursor(
  cursor: string | undefined,
  shape: readonly CursorPart[],
): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === shape.length &&
      key.every((part, i) => partIs[shape[i] ?? 'text'](part))
    ) {
      return key;
    }
  } catch {
    // fall through to the 400 below
  }
  throw new WeftError('BAD_REQUEST', 'cursor is not one this API issued', [
    { field: 'cursor', reason: 'invalid' },
  ]);
}

/** Rows were fetched with `limit + 1`: the extra row only says that there is a next page. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => readonly (string | number)[]) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** An ILIKE pattern matching `q` anywhere, with LIKE's own wildcards taken literally. */
export const containsPattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
