import { WeftError } from './errors.ts';

/** A cursor is the sort key of the last row served, opaque to clients. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** What a cursor part must be before it reaches SQL: a forged one would otherwise fail there as a 500. */
export type CursorPart = 'text' | 'uuid' | 'integer';

const partIs: Record<CursorPart, (part: unknown) => boolean> = {
  text: (part) => typeof part === 'string',
  uuid: (part) => typeof part === 'string' && /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(part),
  integer: (part) => Number.isSafeInteger(part),
};

/** `shape` is the number of parts, or better each part's kind. */
export function decodeCursor(
  cursor: string | undefined,
  shape: number | readonly CursorPart[],
): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const arity = typeof shape === 'number' ? shape : shape.length;
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((part, i) =>
        typeof shape === 'number'
          ? typeof part === 'string' || typeof part === 'number'
          : partIs[shape[i] ?? 'text'](part),
      )
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
