/**
 * Dotted-path reads shared by conditions and templates. Only own properties are read, and
 * the segments that reach prototypes are refused outright: `JSON.parse('{"__proto__":1}')`
 * makes `__proto__` an own property, so own-property checks alone are not enough.
 */
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
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
