/** Every page of a records list, 7 at a time through the cursor: the ids in the order served. */
import assert from 'node:assert/strict';
import type { Session } from './app.ts';

export async function listPages(session: Session, module: string, query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const response = await session.request(
      'GET',
      `/api/records/${module}?limit=7&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    assert.equal(response.statusCode, 200, response.body);
    const page = response.json<{ items: { id: string }[]; nextCursor: string | null }>();
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
    if (!cursor) return ids;
  }
  throw new Error('too many pages');
}
