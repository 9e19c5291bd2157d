import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { invalid, type WeftError } from '../platform/errors.ts';

/**
 * How deep a request's JSON may nest. Nothing Weft accepts comes near (a flow's json-logic
 * conditions are the deepest, a dozen levels); PostgreSQL's jsonb gives up around ten
 * thousand levels and a recursive validator exhausts the stack earlier still, both as 500s.
 */
export const maxJsonDepth = 256;

/**
 * The first thing in a parsed JSON value that PostgreSQL cannot store, as a 400 naming where:
 * a string or key holding U+0000 (text and jsonb refuse it) or half of a UTF-16 surrogate
 * pair (jsonb refuses `\ud800`; text would silently turn it into U+FFFD), or nesting deeper
 * than `maxJsonDepth`. Iterative: a deeply nested value must not overflow the stack.
 */
export function unstorable(root: unknown, part: string): WeftError | undefined {
  const pending: [unknown, string[]][] = [[root, []]];
  const where = (path: string[]) => path.join('.') || part;
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return invalid(where(path), problem);
    } else if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
      // Raw uploads (a Buffer from a CSV or XLSX body) are bytes, parsed and checked later.
      if (path.length >= maxJsonDepth)
        return invalid(where(path.slice(0, 3)), `nests deeper than ${maxJsonDepth} levels`);
      for (const [key, item] of Object.entries(value)) {
        const problem = textProblem(key);
        if (problem) return invalid(where([...path, key]), problem);
        pending.push([item, [...path, key]]);
      }
    }
  }
  return undefined;
}

function textProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (!text.isWellFormed()) return 'must not contain half of a UTF-16 surrogate pair';
  return undefined;
}

/**
 * PostgreSQL text and jsonb cannot hold what `unstorable` finds, so such a request would
 * fail in SQL as a 500. It is refused before validation instead, as a 400 naming the field:
 * in the body, the query string and the path parameters alike.
 */
export const nulGuardPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    for (const [part, value] of [
      ['body', request.body],
      ['querystring', request.query],
      ['params', request.params],
    ] as const) {
      const problem = unstorable(value, part);
      if (problem) throw problem;
    }
  });
});
