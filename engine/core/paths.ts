/**
 * Dotted-path reads shared by conditions and templates. Only own properties are read, and
 * the segments that reach prototypes are refused outright: `JSON.parse('{"__proto__":1}')`
 * makes `__proto__` an own property, so own-property checks alone are not enough.
 */
import { LinkedRecord } from './template-links.ts';

export const forbiddenSegments: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

export class UnsafePathError extends Error {
  override name = 'UnsafePathError';
}

export function forbiddenSegment(path: string): string | undefined {
  return path.split('.').find((segment) => forbiddenSegments.has(segment));
}

export function readPath(data: unknown, path: string): unknown {
  if (path === '') return data;
  let current: unknown = data;
  for (const segment of path.split('.')) {
    if (forbiddenSegments.has(segment)) throw new UnsafePathError(`forbidden path segment "${segment}"`);
    // A loaded link field (template-links.ts): its properties are the linked record's.
    if (current instanceof LinkedRecord) {
      current = current.read(segment);
      continue;
    }
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  // A link field read as itself is the id it holds.
  return current instanceof LinkedRecord ? current.valueOf() : current;
}
