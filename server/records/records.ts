import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import type { Actor } from '../platform/audit.ts';
import { type Principal, scopeFor } from '../platform/authz.ts';
import { conflict, forbidden, invalid, notFound } from '../platform/errors.ts';
import { type Causation, emitEvent, type NewEvent } from '../platform/events.ts';
import { routeRecord } from '../routing/routing.ts';
import { checkDropdownValue, loadDropdown } from '../studio/dropdown-values.ts';
import { columnName, indexName, recordsDb, tableOf } from '../studio/fields.ts';
import {
  type FieldDefinition,
  findModule,
  getModule,
  listModules,
  type ModuleDefinition,
} from '../studio/modules.ts';
import { toColumns, toRecord, validateRecordInput } from '../studio/record-schema.ts';
import { type ChangelogEntry, type Changes, diff, writeChangeAndEvent } from './changelog.ts';
import { checkWritable } from './field-access.ts';
import { holdChangeAndEvent, holdEvent } from './held-writes.ts';
import { accessCondition, checkAssignee } from './record-access.ts';
import { withDisplay } from './record-display.ts';
import { createdPost, deletedPost, type RecordPost, updatedPost } from './record-posts.ts';

/**
 * Records of any module. Every write validates against the module's current definition,
 * filters by the caller's role scope in its own SQL, and commits its changelog row and
 * its outbox event in the same transaction.
 */

export type RecordValues = Record<string, unknown>;

export interface WriteOptions {
  /** Set by the workflow engine when a flow makes the write. */
  causation?: Causation | undefined;
  /**
   * Whether lead routing assigns a record created without `assignedTo` when the module's
   * routing is on (default true; an import may turn it off).
   */
  routing?: boolean | undefined;
  /**
   * Whether the answer carries `_display` (the names of linked records and assignees; default
   * true). A bulk action answers no records, and a flow's step has no use for them: both skip the lookups.
   */
  display?: boolean | undefined;
}

const always = sql<SqlBool>`true`;

/**
 * A write's changelog row, event and feed post: held for the end of a transaction that holds
 * them (a batch of flow steps: held-writes.ts), else written now in one statement.
 */
async function logChange(
  trx: Db,
  entry: ChangelogEntry,
  event: NewEvent,
  post: RecordPost | null,
): Promise<void> {
  if (!holdChangeAndEvent(trx, entry, event, post)) await writeChangeAndEvent(trx, entry, event, post);
}

async function tagEvent(trx: Db, event: NewEvent): Promise<void> {
  if (!holdEvent(trx, event)) await emitEvent(trx, event);
}

const columnLists = new WeakMap<ModuleDefinition, string[]>();

/**
 * The columns `toRecord` reads, written out rather than `*`: a statement that lists them
 * keeps its result type when a field is added elsewhere, so the single-record writes can
 * stay prepared statements (server/db/prepared.ts).
 */
function recordColumns(module: ModuleDefinition): string[] {
  let columns = columnLists.get(module);
  if (!columns) {
    columns = [...new Set(['id', ...module.fields.map((field) => columnName(field.name))])];
    columnLists.set(module, columns);
  }
  return columns;
}

/** A unique index violation, as a 409 naming the field. */
function uniqueConflict(module: ModuleDefinition, error: unknown): Error | undefined {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code !== '23505') return undefined;
  const field = module.fields.find(
    (candidate) => indexName(module.table, columnName(candidate.name), 'key') === constraint,
  );
  return conflict(field?.name ?? 'record', 'is already used by another record');
}

async function withUniqueCheck<T>(module: ModuleDefinition, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw uniqueConflict(module, error) ?? error;
  }
}

/**
 * Links must name an existing record of their module, assignments a user or group,
 * managed dropdowns one of their values (allowed by the parent's value when dependent).
 * Only the fields a write sets are checked; `record` is the record as it will be.
 */
export async function checkReferences(
  db: Db,
  principal: Principal,
  module: ModuleDefinition,
  given: RecordValues,
  record: RecordValues,
): Promise<void> {
  for (const field of module.fields) {
    const holder = typeof field.options.moduleField === 'string' ? field.options.moduleField : undefined;
    if (!(field.name in given) && !(holder !== undefined && holder in given)) continue;
    const value = record[field.name];
    if (holder !== undefined && holder in given) {
      const target = record[holder];
      if (target !== null && target !== undefined && !(await findModule(db, String(target)))) {
        throw invalid(holder, `names no module (${String(target)})`);
      }
    }
    if (field.type === 'dropdown' && typeof field.options.dropdownId === 'string') {
      const problem = await dropdownProblem(db, module, field, record);
      if (problem) throw invalid(field.name, problem);
    }
    if (typeof value !== 'string') continue;
    if (field.type === 'link') {
      const target =
        typeof field.options.module === 'string' ? field.options.module : holder && record[holder];
      if (typeof target !== 'string')
        throw invalid(field.name, `needs ${holder ?? 'its module'} set as well`);
      // A record the principal may not view answers exactly as a missing one: whether an id
      // exists is not theirs to learn by linking to it.
      const row = await linkTargetVisible(db, principal, target, value);
      if (!row) throw invalid(field.name, `names no ${target} record`);
    }
    if (field.type === 'assignment') {
      const { rows } = await sql<{ found: boolean }>`
        select exists (select 1 from users where id = ${value}) or exists (select 1 from groups where id = ${value}) as found
      `.execute(db);
      if (!rows[0]?.found) throw invalid(field.name, 'is not a user or group');
    }
  }
}

async function linkTargetVisible(db: Db, principal: Principal, target: string, id: string): Promise<boolean> {
  if (scopeFor(principal, target, 'view') === 'none') return false;
  const visible = (await accessCondition(db, principal, target, 'view').catch(() => null)) ?? always;
  const row = await recordsDb(db)
    .selectFrom(tableOf(target))
    .select('id')
    .where('id', '=', id)
    .where(visible)
    .executeTakeFirst()
    .catch(() => undefined);
  return row !== undefined;
}

async function dropdownProblem(
  db: Db,
  module: ModuleDefinition,
  field: FieldDefinition,
  record: RecordValues,
): Promise<string | null> {
  const dropdown = await loadDropdown(db, String(field.options.dropdownId));
  if (!dropdown) return 'uses a dropdown that no longer exists';
  const parentField = dropdown.parentId
    ? module.fields.find((candidate) => candidate.options.dropdownId === dropdown.parentId)
    : undefined;
  const parentValue = parentField
    ? (record[parentField.name] as string | string[] | null | undefined)
    : undefined;
  return checkDropdownValue(dropdown, record[field.name], {
    multiple: field.options.multiple === true,
    parentValue,
  });
}

/** Transactions whose record creates read each module's routing switch once (`pinRoutingSwitches`). */
const pinnedRouting = new WeakMap<Db, Map<string, Promise<boolean>>>();

/**
 * For a transaction that creates many records and changes no routing settings (a batch of
 * flow steps): whether a module routes its new records is read once, not per record (a
 * statement per created record on the webhook path, issue 19). As if the batch had run at
 * the moment of its first read.
 */
export function pinRoutingSwitches(trx: Db): void {
  if (!pinnedRouting.has(trx)) pinnedRouting.set(trx, new Map());
}

function routingSwitch(db: Db, module: string): Promise<boolean> {
  const pinned = pinnedRouting.get(db);
  if (!pinned) return routingOn(db, module);
  let known = pinned.get(module);
  if (!known) {
    known = routingOn(db, module);
    pinned.set(module, known);
  }
  return known;
}

/** Whether lead routing picks the assignee of this module's new records. */
async function routingOn(trx: Db, module: string): Promise<boolean> {
  const settings = await trx
    .selectFrom('routingSettings')
    .select('enabled')
    .where('module', '=', module)
    .executeTakeFirst();
  return settings?.enabled === true;
}

async function emitTagEvents(
  trx: Db,
  module: string,
  recordId: string,
  before: unknown,
  after: unknown,
  actor: Actor,
  causation: Causation | undefined,
): Promise<void> {
  const old = new Set(Array.isArray(before) ? (before as string[]) : []);
  const now = new Set(Array.isArray(after) ? (after as string[]) : []);
  for (const tag of now) {
    if (!old.has(tag)) {
      await tagEvent(trx, {
        type: 'tag.added',
        module,
        recordId,
        payload: { tag },
        actorId: actor.id,
        causation,
      });
    }
  }
  for (const tag of old) {
    if (!now.has(tag)) {
      await tagEvent(trx, {
        type: 'tag.removed',
        module,
        recordId,
        payload: { tag },
        actorId: actor.id,
        causation,
      });
    }
  }
}

export async function createRecord(
  db: Db,
  principal: Principal,
  actor: Actor,
  moduleName: string,
  input: unknown,
  options: WriteOptions = {},
): Promise<RecordValues> {
  const module = await getModule(db, moduleName);
  const given = validateRecordInput(module, 'create', input);
  const values = { ...given };
  checkWritable(principal, module, values);
  const routed =
    !('assignedTo' in values) && options.routing !== false && (await routingSwitch(db, moduleName));
  if (!routed) {
    // Unassigned input goes to its creator, within what the creator's scope allows.
    if (!('assignedTo' in values)) values.assignedTo = principal.id;
    await checkAssignee(db, principal, moduleName, (values.assignedTo as string | null) ?? null);
  }
  // What the input gave (the creator as the default assignee needs no lookup: a loaded principal).
  await checkReferences(db, principal, module, given, values);
  const record = await withUniqueCheck(module, () =>
    inTransaction(db, async (trx) => {
      // The rotation's turn is taken in this transaction: it is given back if the insert fails.
      if (routed) values.assignedTo = (await routeRecord(trx, moduleName, values)).assignee;
      const row = await recordsDb(trx)
        .insertInto(module.table)
        .values({ ...toColumns(module, values), created_by: actor.id })
        .returning(recordColumns(module))
        .executeTakeFirstOrThrow();
      const record = toRecord(module, row);
      const id = String(record.id);
      const changes = diff({}, record);
      delete changes.createdAt;
      await logChange(
        trx,
        { module: moduleName, recordId: id, action: 'create', changes, actor },
        {
          type: 'record.created',
          module: moduleName,
          recordId: id,
          payload: { record },
          actorId: actor.id,
          causation: options.causation,
        },
        createdPost(module, record),
      );
      await emitTagEvents(trx, moduleName, id, [], record.tags, actor, options.causation);
      return record;
    }),
  );
  if (options.display === false) return record;
  return (await withDisplay(db, module, [record], principal))[0] ?? record;
}

/** One record the principal may view, or a 404 (outside the scope is the same as absent). */
export async function getRecord(
  db: Db,
  principal: Principal,
  moduleName: string,
  id: string,
  options: { viewedBy?: Actor; display?: boolean | undefined } = {},
): Promise<RecordValues> {
  const module = await getModule(db, moduleName);
  const visible = (await accessCondition(db, principal, moduleName, 'view')) ?? always;
  const row = await recordsDb(db)
    .selectFrom(module.table)
    .select(recordColumns(module))
    .where('id', '=', id)
    .where(visible)
    .executeTakeFirst();
  if (!row) throw notFound(`${module.itemName} ${id}`);
  const record = toRecord(module, row);
  const viewer = options.viewedBy;
  if (viewer) {
    await inTransaction(db, async (trx) => {
      await trx
        .insertInto('recordViews')
        .values({ module: moduleName, recordId: id, userId: viewer.id })
        .execute();
      await emitEvent(trx, {
        type: 'record.viewed',
        module: moduleName,
        recordId: id,
        payload: {},
        actorId: viewer.id,
      });
    });
  }
  if (options.display === false) return record;
  return (await withDisplay(db, module, [record], principal))[0] ?? record;
}

/**
 * Several records by id, each as `getRecord` answers it (display names included), in the
 * order asked: one read for all of them. A 404 names the first that does not exist or that
 * the principal may not view.
 */
export async function getRecords(
  db: Db,
  principal: Principal,
  moduleName: string,
  ids: readonly string[],
): Promise<RecordValues[]> {
  if (ids.length === 0) return [];
  const module = await getModule(db, moduleName);
  const visible = (await accessCondition(db, principal, moduleName, 'view')) ?? always;
  const rows = await recordsDb(db)
    .selectFrom(module.table)
    .select(recordColumns(module))
    .where('id', 'in', [...new Set(ids)])
    .where(visible)
    .execute();
  const byId = new Map(rows.map((row) => [String(row.id), toRecord(module, row)]));
  const missing = ids.find((id) => !byId.has(id));
  if (missing !== undefined) throw notFound(`${module.itemName} ${missing}`);
  return withDisplay(
    db,
    module,
    ids.map((id) => byId.get(id) as RecordValues),
    principal,
  );
}

/**
 * Locks a record for a write: 404 unless the principal may view it, 403 unless the
 * action's scope reaches it too.
 */
async function lockForWrite(
  trx: Db,
  module: ModuleDefinition,
  id: string,
  action: 'update' | 'delete',
  visible: RawBuilder<SqlBool>,
  allowed: RawBuilder<SqlBool>,
): Promise<RecordValues> {
  const row = await recordsDb(trx)
    .selectFrom(module.table)
    .select(recordColumns(module))
    .select(allowed.as('weft$allowed'))
    .where('id', '=', id)
    .where(visible)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(`${module.itemName} ${id}`);
  if (row.weft$allowed !== true)
    throw forbidden(`Your roles do not allow ${action} on this ${module.itemName}`);
  return toRecord(module, row);
}

/** Whether checking a write's references reads fields it does not set (`checkReferences`'s "record as it will be"). */
function checkReadsRecord(module: ModuleDefinition, given: RecordValues): boolean {
  return module.fields.some((field) => {
    const holder = field.options.moduleField;
    if (typeof holder === 'string') return field.name in given || holder in given;
    return field.name in given && field.type === 'dropdown' && typeof field.options.dropdownId === 'string';
  });
}

/**
 * Locks the record, checks the caller's rights on it and writes `columns` in one
 * statement, answering the row as it was and as it is; nothing when there is nothing to
 * change, no such record or no right to it (`lockForWrite` then tells which).
 */
async function lockAndUpdate(
  trx: Db,
  module: ModuleDefinition,
  id: string,
  columns: Record<string, unknown>,
  visible: RawBuilder<SqlBool>,
  allowed: RawBuilder<SqlBool>,
): Promise<{ before: RecordValues; after: RecordValues } | undefined> {
  const table = sql.table(module.table);
  const settings = Object.entries(columns).map(([column, value]) => sql`${sql.id(column)} = ${value}`);
  const changing = Object.entries(columns).map(
    ([column, value]) => sql`rec.${sql.id(column)} is distinct from ${value}`,
  );
  // The sub-select locks the row first, so `before` is the version the update replaces;
  // only the columns written can differ from the row as it is now.
  const read = Object.keys(columns);
  const { rows } = await sql<Record<string, unknown>>`
    update ${table} as rec set ${sql.join(settings)}, updated_at = now()
    from (select id, ${sql.join(read.map((column) => sql.id(column)))}, ${allowed} as weft$allowed
      from ${table} where id = ${id} and ${visible} for update) as before
    where rec.id = before.id and before.weft$allowed and (${sql.join(changing, sql` or `)})
    returning ${sql.join(recordColumns(module).map((column) => sql`rec.${sql.id(column)}`))},
      ${sql.join(read.map((column) => sql`before.${sql.id(column)} as ${sql.id(`before$${column}`)}`))}`.execute(
    recordsDb(trx),
  );
  const row = rows[0];
  if (!row) return undefined;
  const previous = { ...row, ...Object.fromEntries(read.map((column) => [column, row[`before$${column}`]])) };
  return { before: toRecord(module, previous), after: toRecord(module, row) };
}

export async function updateRecord(
  db: Db,
  principal: Principal,
  actor: Actor,
  moduleName: string,
  id: string,
  input: unknown,
  options: WriteOptions = {},
): Promise<RecordValues> {
  const module = await getModule(db, moduleName);
  const values = validateRecordInput(module, 'update', input);
  checkWritable(principal, module, values);
  const visible = (await accessCondition(db, principal, moduleName, 'view')) ?? always;
  const allowed = (await accessCondition(db, principal, moduleName, 'update')) ?? always;
  const columns = toColumns(module, values);
  const record = await withUniqueCheck(module, () =>
    inTransaction(db, async (trx) => {
      // Most writes check nothing that needs the record as it was: one statement does it all.
      // PostgreSQL compares as stored ("…T10:00:00+02:00" is its UTC form, 1.50 is 1.5): a write
      // that changes nothing is no write, and leaves no changelog row, event or new updatedAt.
      const quick = !checkReadsRecord(module, values);
      if (quick) await checkReferences(trx, principal, module, values, values);
      const written = quick ? await lockAndUpdate(trx, module, id, columns, visible, allowed) : undefined;
      if (written) return logUpdate(trx, module, written.before, written.after, actor, options);
      const before = await lockForWrite(trx, module, id, 'update', visible, allowed);
      if (!quick) await checkReferences(trx, principal, module, values, { ...before, ...values });
      const changing = sql.join(
        Object.entries(columns).map(([column, value]) => sql`${sql.ref(column)} is distinct from ${value}`),
        sql` or `,
      );
      const row = await recordsDb(trx)
        .updateTable(module.table)
        .set({ ...columns, updated_at: sql`now()` })
        .where('id', '=', id)
        .where(sql<SqlBool>`(${changing})`)
        .returning(recordColumns(module))
        .executeTakeFirst();
      if (!row) return before;
      return logUpdate(trx, module, before, toRecord(module, row), actor, options);
    }),
  );
  if (options.display === false) return record;
  return (await withDisplay(db, module, [record], principal))[0] ?? record;
}

/** An update's changelog row, outbox event and tag events, in its transaction. Answers the record as written. */
async function logUpdate(
  trx: Db,
  module: ModuleDefinition,
  before: RecordValues,
  after: RecordValues,
  actor: Actor,
  options: WriteOptions,
): Promise<RecordValues> {
  const moduleName = module.name;
  const id = String(after.id);
  const changes = diff(before, after);
  await logChange(
    trx,
    { module: moduleName, recordId: id, action: 'update', changes, actor },
    {
      type: 'record.updated',
      module: moduleName,
      recordId: id,
      payload: {
        record: after,
        previous: Object.fromEntries(Object.entries(changes).map(([name, change]) => [name, change.before])),
        changed: Object.keys(changes),
      },
      actorId: actor.id,
      causation: options.causation,
    },
    updatedPost(module, after, changes),
  );
  if (changes.tags)
    await emitTagEvents(trx, moduleName, id, before.tags, after.tags, actor, options.causation);
  return after;
}

/**
 * Empties the link fields that point at a record about to be deleted, each as a logged,
 * emitted update: the foreign key would do it too, but silently.
 */
async function unlinkReferences(
  trx: Db,
  target: ModuleDefinition,
  id: string,
  actor: Actor,
  causation: Causation | undefined,
): Promise<void> {
  for (const module of await listModules(trx)) {
    for (const field of module.fields) {
      if (field.type !== 'link' || field.options.module !== target.name) continue;
      const column = columnName(field.name);
      const rows = await recordsDb(trx)
        .updateTable(module.table)
        .set({ [column]: null, updated_at: sql`now()` })
        .where(column, '=', id)
        .returningAll()
        .execute();
      for (const row of rows) {
        const record = toRecord(module, row);
        const recordId = String(record.id);
        const changes = { [field.name]: { before: id, after: null } };
        await logChange(
          trx,
          { module: module.name, recordId, action: 'update', changes, actor },
          {
            type: 'record.updated',
            module: module.name,
            recordId,
            payload: { record, previous: { [field.name]: id }, changed: [field.name] },
            actorId: actor.id,
            causation,
          },
          updatedPost(module, record, changes),
        );
      }
    }
  }
}

export async function deleteRecord(
  db: Db,
  principal: Principal,
  actor: Actor,
  moduleName: string,
  id: string,
  options: WriteOptions = {},
): Promise<void> {
  const module = await getModule(db, moduleName);
  const visible = (await accessCondition(db, principal, moduleName, 'view')) ?? always;
  const allowed = (await accessCondition(db, principal, moduleName, 'delete')) ?? always;
  await inTransaction(db, async (trx) => {
    const before = await lockForWrite(trx, module, id, 'delete', visible, allowed);
    await unlinkReferences(trx, module, id, actor, options.causation);
    await recordsDb(trx).deleteFrom(module.table).where('id', '=', id).execute();
    await trx.deleteFrom('listMembers').where('recordId', '=', id).execute();
    const changes: Changes = diff(before, {});
    await logChange(
      trx,
      { module: moduleName, recordId: id, action: 'delete', changes, actor },
      {
        type: 'record.deleted',
        module: moduleName,
        recordId: id,
        payload: { record: before },
        actorId: actor.id,
        causation: options.causation,
      },
      deletedPost(module, before),
    );
  });
}
