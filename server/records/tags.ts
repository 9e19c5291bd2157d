import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { type Actor, audit } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import { notFound } from '../platform/errors.ts';
import { recordsDb } from '../studio/fields.ts';
import { getModule, listModules } from '../studio/modules.ts';
import { toRecord } from '../studio/record-schema.ts';
import { getRecord, type RecordValues, updateRecord, type WriteOptions } from './records.ts';

/**
 * Tags live in each record's `tags` text[] column (GIN-indexed): one read gives a record
 * with its tags, filters use `@>`, and every tag change is an ordinary record update with
 * its changelog row and its `tag.added` / `tag.removed` events.
 */

/** Tags are compared as typed, without a leading '#', trimmed. */
export const normalizeTag = (tag: string) => tag.trim().replace(/^#/, '');

export async function addTags(
  db: Db,
  principal: Principal,
  actor: Actor,
  module: string,
  id: string,
  tags: string[],
  options: WriteOptions = {},
): Promise<RecordValues> {
  const record = await getRecord(db, principal, module, id, { display: options.display });
  const current = (record.tags as string[] | null) ?? [];
  const added = tags.map(normalizeTag).filter((tag) => tag !== '' && !current.includes(tag));
  if (added.length === 0) return record;
  return updateRecord(db, principal, actor, module, id, { tags: [...current, ...new Set(added)] }, options);
}

export async function removeTags(
  db: Db,
  principal: Principal,
  actor: Actor,
  module: string,
  id: string,
  tags: string[],
  options: WriteOptions = {},
): Promise<RecordValues> {
  const record = await getRecord(db, principal, module, id, { display: options.display });
  const current = (record.tags as string[] | null) ?? [];
  const removed = new Set(tags.map(normalizeTag));
  if (!current.some((tag) => removed.has(tag))) return record;
  return updateRecord(
    db,
    principal,
    actor,
    module,
    id,
    { tags: current.filter((tag) => !removed.has(tag)) },
    options,
  );
}

/** Every tag in use with how many records carry it, across modules (the tag manager). */
export async function tagCounts(db: Db, module?: string): Promise<{ tag: string; count: number }[]> {
  const modules = module ? [await getModule(db, module)] : await listModules(db);
  const unions = modules.map((m) => sql`select unnest(tags) as tag from ${sql.id(m.table)}`);
  const { rows } = await sql<{ tag: string; count: number }>`
    select tag, count(*)::int as count from (${sql.join(unions, sql` union all `)}) as t
    group by tag order by count desc, tag
  `.execute(db);
  return rows;
}

/**
 * Deletes a tag everywhere: each record that carried it is updated, logged and emitted
 * (`record.updated` and `tag.removed`) in one transaction.
 */
export async function deleteTag(db: Db, actor: Actor, tag: string): Promise<{ records: number }> {
  const name = normalizeTag(tag);
  const records = await inTransaction(db, async (trx) => {
    let count = 0;
    for (const module of await listModules(trx)) {
      const before = await recordsDb(trx)
        .selectFrom(module.table)
        .select(['id', 'tags'])
        .where(sql<boolean>`tags @> array[${name}]::text[]`)
        .forUpdate()
        .execute();
      if (before.length === 0) continue;
      const rows = await recordsDb(trx)
        .updateTable(module.table)
        .set({ tags: sql`array_remove(tags, ${name})`, updated_at: sql`now()` })
        .where(sql<boolean>`tags @> array[${name}]::text[]`)
        .returningAll()
        .execute();
      const previous = new Map(before.map((row) => [String(row.id), row.tags as string[]]));
      count += rows.length;
      const changed = rows.map((row) => toRecord(module, row));
      await trx
        .insertInto('changelog')
        .values(
          changed.map((record) => ({
            module: module.name,
            recordId: String(record.id),
            action: 'update' as const,
            changes: JSON.stringify({
              tags: { before: previous.get(String(record.id)), after: record.tags },
            }),
            actorId: actor.id,
            actorName: actor.username,
          })),
        )
        .execute();
      await trx
        .insertInto('events')
        .values(
          changed.flatMap((record) => [
            {
              type: 'record.updated' as const,
              module: module.name,
              recordId: String(record.id),
              payload: JSON.stringify({
                record,
                previous: { tags: previous.get(String(record.id)) },
                changed: ['tags'],
              }),
              actorId: actor.id,
            },
            {
              type: 'tag.removed' as const,
              module: module.name,
              recordId: String(record.id),
              payload: JSON.stringify({ tag: name }),
              actorId: actor.id,
            },
          ]),
        )
        .execute();
    }
    if (count === 0) throw notFound(`Tag ${name}`);
    await audit(trx, actor, 'tag.delete', { type: 'tag', id: name }, { records: count });
    return count;
  });
  return { records };
}
