import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { RecordBulkBody } from '../../schemas/record-bulk.ts';
import type { Db } from '../db/index.ts';
import type { EventType } from '../db/types.ts';
import type { Actor } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import { forbidden, notFound, WeftError } from '../platform/errors.ts';
import { columnName, recordsDb } from '../studio/fields.ts';
import { listModules, type ModuleDefinition } from '../studio/modules.ts';
import { toColumns, toRecord, validateRecordInput } from '../studio/record-schema.ts';
import { type Changes, diff } from './changelog.ts';
import { checkWritable } from './field-access.ts';
import { accessCondition } from './record-access.ts';
import { deletedPost, type RecordPost, updatedPost } from './record-posts.ts';
import { normalizeTag } from './tags.ts';

/**
 * A bulk action's chunk as a few set-based statements instead of one service call per
 * record: the chunk's rows locked in id order with the caller's rights on each (one
 * SELECT … FOR UPDATE), the changed rows written in one UPDATE (or DELETE), and every
 * record's changelog row, activity-feed post and outbox events in one INSERT … SELECT
 * each, from one JSON parameter. What each record gets is what the single-record
 * service gives it — the same 404 / 403 / validation failure, the same changelog row,
 * `record.updated` (or `record.deleted`) event and `tag.added` / `tag.removed` events,
 * so flows still run once per record — and the caller falls back to the per-record path
 * (`record-bulk.ts`) for anything this does not decide alone: a write whose checks read
 * the record (dependent dropdowns, polymorphic links), a database error such as a
 * unique violation, or a check that fails for every record.
 */

/** Records per set-based transaction: large enough that a statement's fixed cost is spread thin. */
export const setChunk = 1_000;

export interface ChunkOutcome {
  succeeded: number;
  failed: { id: string; error: WeftError }[];
}

export interface SetPlan {
  kind: 'values' | 'tags' | 'delete';
  /** Constant column values (assign, update). */
  columns?: Record<string, unknown>;
  tagsAdded?: string[];
  tagsRemoved?: string[];
  visible: RawBuilder<SqlBool>;
  allowed: RawBuilder<SqlBool>;
}

const always = sql<SqlBool>`true`;

/** Whether checking a write's references reads fields it does not set (records.ts' `checkReadsRecord`). */
function readsRecord(module: ModuleDefinition, given: Record<string, unknown>): boolean {
  return module.fields.some((field) => {
    const holder = field.options.moduleField;
    if (typeof holder === 'string') return field.name in given || holder in given;
    return field.name in given && field.type === 'dropdown' && typeof field.options.dropdownId === 'string';
  });
}

/**
 * What the set-based path needs, decided once per request; null when the action must go
 * record by record. `checkValues` runs the single-record path's reference checks on the
 * constant values (they do not depend on the record when `readsRecord` is false).
 */
export async function setPlanOf(
  db: Db,
  principal: Principal,
  module: ModuleDefinition,
  body: RecordBulkBody,
  checkValues: (values: Record<string, unknown>) => Promise<void>,
): Promise<SetPlan | null> {
  if (body.action === 'runFlow') return null;
  const action = body.action === 'delete' ? 'delete' : 'update';
  try {
    const visible = (await accessCondition(db, principal, module.name, 'view')) ?? always;
    const allowed = (await accessCondition(db, principal, module.name, action)) ?? always;
    switch (body.action) {
      case 'assign':
      case 'update': {
        const input = body.action === 'assign' ? { assignedTo: body.assignedTo } : body.values;
        const values = validateRecordInput(module, 'update', input);
        checkWritable(principal, module, values);
        if (readsRecord(module, values)) return null;
        await checkValues(values);
        return { kind: 'values', columns: toColumns(module, values), visible, allowed };
      }
      case 'addTags':
        return { kind: 'tags', tagsAdded: [...body.tags], visible, allowed };
      case 'removeTags':
        return { kind: 'tags', tagsRemoved: [...body.tags], visible, allowed };
      case 'delete':
        return { kind: 'delete', visible, allowed };
    }
  } catch (error) {
    // A check that fails for every record: the per-record path reports it for each, as always.
    if (error instanceof WeftError) return null;
    throw error;
  }
}

interface Entry {
  module: string;
  recordId: string;
  action: 'update' | 'delete';
  changes: Changes;
  post: RecordPost | null;
  events: { type: EventType; payload: Record<string, unknown> }[];
}

/** The tag events of a write, as `updateRecord` emits them: added, then removed. */
export function tagEvents(before: unknown, after: unknown): Entry['events'] {
  const old = new Set(Array.isArray(before) ? (before as string[]) : []);
  const now = new Set(Array.isArray(after) ? (after as string[]) : []);
  const events: Entry['events'] = [];
  for (const tag of now) if (!old.has(tag)) events.push({ type: 'tag.added', payload: { tag } });
  for (const tag of old) if (!now.has(tag)) events.push({ type: 'tag.removed', payload: { tag } });
  return events;
}

/** What an update writes besides the row, as `updateRecord` writes it: the changes, the post, the events. */
export function updateEntry(
  module: ModuleDefinition,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Entry {
  const changes = diff(before, after);
  return {
    module: module.name,
    recordId: String(after.id),
    action: 'update',
    changes,
    post: updatedPost(module, after, changes),
    events: [
      {
        type: 'record.updated',
        payload: {
          record: after,
          previous: Object.fromEntries(
            Object.entries(changes).map(([name, change]) => [name, change.before]),
          ),
          changed: Object.keys(changes),
        },
      },
      ...(changes.tags ? tagEvents(before.tags, after.tags) : []),
    ],
  };
}

/**
 * Every entry's changelog row, feed post (unless the `feedSystemPosts` setting switches its
 * type off) and events, in the entries' order: three INSERT … SELECT in one statement.
 */
async function writeEntries(trx: Db, actor: Actor, entries: Entry[]): Promise<void> {
  if (entries.length === 0) return;
  const logs = entries.map((entry) => ({
    m: entry.module,
    r: entry.recordId,
    a: entry.action,
    c: entry.changes,
    pt: entry.post?.type ?? null,
    px: entry.post?.text ?? null,
    pa: entry.post?.aboutRecord ?? false,
    pu: entry.post?.targetUserId ?? null,
    pv: entry.post?.visibility ?? null,
  }));
  const events = entries.flatMap((entry) =>
    entry.events.map((event) => ({ m: entry.module, r: entry.recordId, t: event.type, p: event.payload })),
  );
  await sql`
    with input as (
      select * from rows from (jsonb_to_recordset(${JSON.stringify(logs)}::jsonb)
        as (m text, r uuid, a text, c jsonb, pt text, px text, pa boolean, pu uuid, pv text))
        with ordinality as x(m, r, a, c, pt, px, pa, pu, pv, n)
    ), logged as (
      insert into changelog (module, record_id, action, changes, actor_id, actor_name)
      select m, r, a, c, ${actor.id}::uuid, ${actor.username} from input order by n
    ), posted as (
      insert into feed_posts (type, text, author_id, module, record_id, target_user_id, visibility)
      select pt, px, ${actor.id}::uuid, case when pa then m end, case when pa then r end,
        (select id from users where id = pu), pv
      from input
      where pt is not null
        and coalesce((select (value ->> input.pt)::boolean from settings where key = 'feedSystemPosts'), true)
      order by n
    )
    insert into events (type, module, record_id, payload, actor_id)
    select t, m, r, p, ${actor.id}::uuid
    from rows from (jsonb_to_recordset(${JSON.stringify(events)}::jsonb) as (m text, r uuid, t text, p jsonb))
      with ordinality as e(m, r, t, p, n)
    order by n`.execute(trx);
}

/**
 * Locks the chunk's records the principal may view, in id order, with whether the action's
 * scope reaches each; answers them by id.
 */
async function lockChunk(
  trx: Db,
  module: ModuleDefinition,
  ids: string[],
  plan: SetPlan,
): Promise<Map<string, { record: Record<string, unknown>; allowed: boolean }>> {
  const { rows } = await sql<Record<string, unknown>>`
    select *, ${plan.allowed} as weft$allowed from ${sql.table(module.table)}
    where id = any(${ids}::uuid[]) and ${plan.visible}
    order by id for update`.execute(recordsDb(trx));
  return new Map(
    rows.map((row) => [
      String(row.id),
      { record: toRecord(module, row), allowed: row.weft$allowed === true },
    ]),
  );
}

/** Runs one chunk (ids in id order) set-based, in `trx`; throws for the caller to redo it record by record. */
export async function applySetChunk(
  trx: Db,
  principal: Principal,
  actor: Actor,
  module: ModuleDefinition,
  plan: SetPlan,
  ids: string[],
): Promise<ChunkOutcome> {
  const outcome: ChunkOutcome = { succeeded: 0, failed: [] };
  const locked = await lockChunk(trx, module, ids, plan);
  const action = plan.kind === 'delete' ? 'delete' : 'update';
  const refused = () => forbidden(`Your roles do not allow ${action} on this ${module.itemName}`);
  const go: string[] = [];
  /** tags: the new value of each record that changes. */
  const newTags = new Map<string, string[]>();
  for (const id of ids) {
    const found = locked.get(id);
    if (!found) {
      outcome.failed.push({ id, error: notFound(`${module.itemName} ${id}`) });
      continue;
    }
    if (plan.kind === 'tags') {
      // As addTags / removeTags: a record that already says so is left alone, rights or not.
      const current = (found.record.tags as string[] | null) ?? [];
      let next: string[] | null = null;
      if (plan.tagsAdded) {
        const added = plan.tagsAdded.map(normalizeTag).filter((tag) => tag !== '' && !current.includes(tag));
        if (added.length > 0) next = [...current, ...new Set(added)];
      } else {
        const removed = new Set((plan.tagsRemoved ?? []).map(normalizeTag));
        if (current.some((tag) => removed.has(tag))) next = current.filter((tag) => !removed.has(tag));
      }
      if (next === null) {
        outcome.succeeded++;
        continue;
      }
      try {
        const values = validateRecordInput(module, 'update', { tags: next });
        checkWritable(principal, module, values);
      } catch (error) {
        if (!(error instanceof WeftError)) throw error;
        outcome.failed.push({ id, error });
        continue;
      }
      newTags.set(id, next);
    }
    if (!found.allowed) {
      outcome.failed.push({ id, error: refused() });
      continue;
    }
    go.push(id);
  }
  outcome.succeeded += go.length;
  if (go.length === 0) return outcome;
  const table = sql.table(module.table);
  const entries: Entry[] = [];
  if (plan.kind === 'delete') {
    entries.push(...(await unlinkReferences(trx, module, go)));
    await sql`delete from ${table} where id = any(${go}::uuid[])`.execute(recordsDb(trx));
    await sql`delete from list_members where record_id = any(${go}::uuid[])`.execute(trx);
    // A record of the chunk that linked to another of it was unlinked above: it goes as it now is.
    const unlinkedOf = new Map<string, Entry>();
    for (const entry of entries)
      if (entry.module === module.name && entry.action === 'update') unlinkedOf.set(entry.recordId, entry);
    for (const id of go) {
      const before = locked.get(id)?.record as Record<string, unknown>;
      const unlinked = unlinkedOf.get(id);
      const record = unlinked ? (unlinked.events[0]?.payload.record as Record<string, unknown>) : before;
      entries.push({
        module: module.name,
        recordId: id,
        action: 'delete',
        changes: diff(record, {}),
        post: deletedPost(module, record),
        events: [{ type: 'record.deleted', payload: { record } }],
      });
    }
  } else {
    let rows: Record<string, unknown>[];
    if (plan.kind === 'values') {
      const columns = Object.entries(plan.columns ?? {});
      const settings = columns.map(([column, value]) => sql`${sql.id(column)} = ${value}`);
      const changing = columns.map(([column, value]) => sql`${sql.id(column)} is distinct from ${value}`);
      ({ rows } = await sql<Record<string, unknown>>`
        update ${table} set ${sql.join(settings)}, updated_at = now()
        where id = any(${go}::uuid[]) and (${sql.join(changing, sql` or `)})
        returning *`.execute(recordsDb(trx)));
    } else {
      const given = go.map((id) => ({ id, tags: newTags.get(id) }));
      ({ rows } = await sql<Record<string, unknown>>`
        update ${table} as rec set tags = n.tags, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(given)}::jsonb) as n(id uuid, tags text[])
        where rec.id = n.id and rec.tags is distinct from n.tags
        returning rec.*`.execute(recordsDb(trx)));
    }
    const byId = new Map(rows.map((row) => [String(row.id), toRecord(module, row)]));
    for (const id of go) {
      const after = byId.get(id);
      if (after) entries.push(updateEntry(module, locked.get(id)?.record ?? {}, after));
    }
  }
  await writeEntries(trx, actor, entries);
  return outcome;
}

/**
 * Empties the link fields pointing at records about to be deleted, each a logged, emitted
 * update (records.ts' `unlinkReferences`, for many targets at once); answers their entries.
 */
async function unlinkReferences(trx: Db, target: ModuleDefinition, ids: string[]): Promise<Entry[]> {
  const entries: Entry[] = [];
  for (const module of await listModules(trx)) {
    for (const field of module.fields) {
      if (field.type !== 'link' || field.options.module !== target.name) continue;
      const column = sql.id(columnName(field.name));
      const { rows } = await sql<Record<string, unknown>>`
        update ${sql.table(module.table)} as rec set ${column} = null, updated_at = now()
        from (select id, ${column} as weft$was from ${sql.table(module.table)}
              where ${column} = any(${ids}::uuid[]) for update) as old
        where rec.id = old.id
        returning rec.*, old.weft$was`.execute(recordsDb(trx));
      for (const row of rows) {
        const record = toRecord(module, row);
        const was = String(row.weft$was);
        const changes = { [field.name]: { before: was, after: null } };
        entries.push({
          module: module.name,
          recordId: String(record.id),
          action: 'update',
          changes,
          post: updatedPost(module, record, changes),
          events: [
            {
              type: 'record.updated',
              payload: { record, previous: { [field.name]: was }, changed: [field.name] },
            },
          ],
        });
      }
    }
  }
  return entries;
}
