import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { invalid } from '../platform/errors.ts';

/** The path of the first string or key holding U+0000 in a parsed JSON value, if any. */
function nulPath(root: unknown): string[] | undefined {
  // Iterative: a deeply nested body must not overflow the stack.
  const pending: [unknown, string[]][] = [[root, []]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
      // Raw uploads (a Buffer from a CSV or XLSX body) are bytes, parsed and checked later.
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) return [...path, key];
        pending.push([item, [...path, key]]);
      }
    }
  }
  return undefined;
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000, so a string carrying one would fail in SQL
 * as a 500. It is refused before validation instead, as a 400 naming the field.
 */
export const nulGuardPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    for (const [part, value] of [
      ['body', request.body],
      ['querystring', request.query],
    ] as const) {
      const path = nulPath(value);
      if (path) throw invalid(path.join('.') || part, 'must not contain the NUL character (U+0000)');
    }
  });
});
