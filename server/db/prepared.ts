/**
 * Named prepared statements for the statements a process runs over and over (issue 19).
 * PostgreSQL plans an unnamed statement on every execution; about a third of its time on
 * the engine's paths was planning. A statement text seen `threshold` times by this process
 * is sent from then on under a name derived from its text (pg's `name:` query config): each
 * connection parses it once and PostgreSQL may keep its plan (a generic plan only when it
 * costs no more than the custom ones, plan_cache_mode auto).
 *
 * Left unnamed, so nothing can change under them:
 * - texts with `*` in a select list or returning clause (a field added to a module changes
 *   such a statement's result type, and a prepared one then fails "cached plan must not
 *   change result type");
 * - searches and pages (`like`, `ilike`, regular expressions, `limit`, `offset`), whose best
 *   plan depends on the values (a generic plan could be far worse for one pattern);
 * - transaction control (begin, commit, savepoints: only select, insert, update, delete and
 *   with statements are named), and long texts (lists of values: many shapes, each rare).
 *
 * WEFT_PREPARED=0 turns it off (a connection pooler in transaction mode older than
 * PgBouncer 1.21 does not keep prepared statements).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

const threshold = 10;
/** Names per process; texts past it stay unnamed (each connection holds every name it used). */
const maxNames = 400;
/** Texts counted; the count starts again when full (texts that recur come back quickly). */
const maxCounted = 5000;
const maxLength = 4000;

const statement = /^\s*(select|insert|update|delete|with)\b/i;
const unsafe = /\*(?!\))|\b(i?like|similar to|limit|offset)\b|~/i;

const counts = new Map<string, number>();
const names = new Map<string, string | null>();
/** Part of every name: a new generation names every statement anew (see `schemaChanged`). */
let generation = 0;

/**
 * Module definitions changed (a new schema token): a field removed and added again under
 * its name with another type would change the result type of a statement prepared before,
 * which PostgreSQL then refuses on that connection for good ("cached plan must not change
 * result type"). Statements are named anew from now on; the old names stay unused.
 */
export function schemaChanged(): void {
  generation++;
  names.clear();
  counts.clear();
}

/** The name to send `text` under, or undefined to send it unnamed. */
export function statementName(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined) return known ?? undefined;
  const seen = (counts.get(text) ?? 0) + 1;
  if (seen < threshold) {
    if (counts.size >= maxCounted) counts.clear();
    counts.set(text, seen);
    return undefined;
  }
  counts.delete(text);
  const fit = names.size < maxNames && text.length <= maxLength && statement.test(text) && !unsafe.test(text);
  const name = fit
    ? `w${createHash('sha1').update(`${generation}:${text}`).digest('base64url').slice(0, 20)}`
    : null;
  names.set(text, name);
  return name ?? undefined;
}

export const preparedOn = process.env.WEFT_PREPARED !== '0';

/**
 * Makes a pool's clients send recurring statements (text and values, as kysely sends them)
 * as named prepared statements.
 */
export function prepareRecurring(pool: pg.Pool): void {
  if (!preparedOn) return;
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const [text, values] = args;
      if (typeof text === 'string' && Array.isArray(values) && args.length === 2) {
        const name = statementName(text);
        if (name) return query({ name, text, values });
      }
      return query(...args);
    };
  });
}
