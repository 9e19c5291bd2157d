import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { type Actor, audit } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import { notFound, WeftError } from '../platform/errors.ts';
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
 * The tag manager's one write: every record carrying any of `from` loses them and, with
 * `into`, gains `into` (rename, merge); each record updated, logged and emitted
 * (`record.updated`, `tag.removed` per tag taken off, `tag.added` when `into` is new to it)
 * in one transaction.
 */
async function rewriteTags(db: Db, actor: Actor, from: string[], into: string | null) {
  return inTransaction(db, async (trx) => {
    let count = 0;
    for (const module of await listModules(trx)) {
      const before = await recordsDb(trx)
        .selectFrom(module.table)
        .select(['id', 'tags'])
        .where(sql<boolean>`tags && ${sql.val(from)}::text[]`)
        .forUpdate()
        .execute();
      if (before.length === 0) continue;
      const kept = sql`array(select t from unnest(tags) as t where t <> all(${sql.val(from)}::text[]))`;
      const next =
        into === null
          ? kept
          : sql`case when ${into} = any(${kept}) then ${kept} else ${kept} || array[${into}]::text[] end`;
      const rows = await recordsDb(trx)
        .updateTable(module.table)
        .set({ tags: next, updated_at: sql`now()` })
        .where(sql<boolean>`tags && ${sql.val(from)}::text[]`)
        .returningAll()
        .execute();
      const previous = new Map(before.map((row) => [String(row.id), (row.tags as string[]) ?? []]));
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
          changed.flatMap((record) => {
            const had = previous.get(String(record.id)) ?? [];
            const base = { module: module.name, recordId: String(record.id), actorId: actor.id };
            return [
              {
                ...base,
                type: 'record.updated' as const,
                payload: JSON.stringify({ record, previous: { tags: had }, changed: ['tags'] }),
              },
              ...had
                .filter((tag) => from.includes(tag) && tag !== into)
                .map((tag) => ({ ...base, type: 'tag.removed' as const, payload: JSON.stringify({ tag }) })),
              ...(into !== null && !had.includes(into)
                ? [{ ...base, type: 'tag.added' as const, payload: JSON.stringify({ tag: into }) }]
                : []),
            ];
          }),
        )
        .execute();
    }
    return count;
  });
}

/** Removes a tag from every record. */
export async function deleteTag(db: Db, actor: Actor, tag: string): Promise<{ records: number }> {
  const name = normalizeTag(tag);
  return inTransaction(db, async (trx) => {
    const records = await rewriteTags(trx, actor, [name], null);
    if (records === 0) throw notFound(`Tag ${name}`);
    await audit(trx, actor, 'tag.delete', { type: 'tag', id: name }, { records });
    return { records };
  });
}

/**
 * Renames a tag on every record; renaming onto a tag in use merges the two (a record with
 * both keeps one).
 */
export async function renameTag(db: Db, actor: Actor, tag: string, to: string) {
  const name = normalizeTag(tag);
  const into = normalizeTag(to);
  if (into === '')
    throw new WeftError('VALIDATION', 'The new name is empty', [{ field: 'to', reason: 'is empty' }]);
  return inTransaction(db, async (trx) => {
    const merged = (await tagCounts(trx)).some((row) => row.tag === into);
    const records = await rewriteTags(trx, actor, [name], into);
    if (records === 0) throw notFound(`Tag ${name}`);
    await audit(trx, actor, 'tag.rename', { type: 'tag', id: name }, { to: into, records, merged });
    return { records, merged };
  });
}

/** Merges several tags into one (which may be one of them or a new name). */
export async function mergeTags(db: Db, actor: Actor, tags: string[], into: string) {
  const target = normalizeTag(into);
  const from = [...new Set(tags.map(normalizeTag))].filter((tag) => tag !== '' && tag !== target);
  if (target === '')
    throw new WeftError('VALIDATION', 'The tag to merge into is empty', [
      { field: 'into', reason: 'is empty' },
    ]);
  if (from.length === 0)
    throw new WeftError('VALIDATION', 'Name at least one other tag to merge', [
      { field: 'tags', reason: 'only the target' },
    ]);
  return inTransaction(db, async (trx) => {
    const records = await rewriteTags(trx, actor, from, target);
    await audit(trx, actor, 'tag.merge', { type: 'tag', id: target }, { from, records });
    return { records };
  });
}

/** Removes every tag from every record; the caller confirms with the number of tags it saw. */
export async function deleteAllTags(db: Db, actor: Actor, confirm: number) {
  return inTransaction(db, async (trx) => {
    const tags = (await tagCounts(trx)).map((row) => row.tag);
    if (confirm !== tags.length) {
      throw new WeftError(
        'VALIDATION',
        `There are ${tags.length} tags, not ${confirm}: look again before deleting them all`,
        [{ field: 'confirm', reason: `must be the number of tags, ${tags.length}` }],
      );
    }
    const records = tags.length === 0 ? 0 : await rewriteTags(trx, actor, tags, null);
    await audit(trx, actor, 'tag.deleteAll', null, { tags: tags.length, records });
    return { tags: tags.length, records };
  });
}
