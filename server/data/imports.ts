import { CompiledQuery, type SqlBool, sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { ImportQuery, ImportView, PreviewView } from '../../schemas/imports.ts';
import type { Db } from '../db/index.ts';
import { fieldAccessFor, type Principal, requireAdmin, requireScope } from '../platform/authz.ts';
import { invalid, notFound, WeftError } from '../platform/errors.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';
import type { SettingsService } from '../platform/settings.ts';
import { isMultiple } from '../studio/fields.ts';
import { getModule } from '../studio/modules.ts';
import { parseLinkChoices } from './import-links.ts';
import { type FileFormat, readTable } from './import-parse.ts';
import { runImport } from './import-run.ts';
import { userKeys, userTargets } from './import-users.ts';
import { checkMapping, suggestMapping, type Target } from './import-values.ts';

/** Imports as the API sees them: preview, start, history, failed rows. Rollback: import-rollback.ts. */

export const importQueue = 'weft.imports.run';

/** The fields a column may map to: the writable ones (users: the profile a user import sets). */
export async function targetsOf(db: Db, principal: Principal, module: string): Promise<Target[]> {
  if (module === 'users') {
    requireAdmin(principal);
    return userTargets;
  }
  const definition = await getModule(db, module);
  requireScope(principal, module, 'create');
  // Fields hidden or read-only for the caller's roles are no target either (field-level permissions).
  return definition.fields
    .filter((field) => !field.readOnly && fieldAccessFor(principal, module, field.name) === 'editable')
    .map((field) => ({
      name: field.name,
      label: field.label,
      type: field.type,
      required: field.required && field.defaultValue === null,
      multiple: isMultiple(field),
    }));
}

export async function previewImport(
  db: Db,
  principal: Principal,
  module: string,
  data: Buffer,
  format: FileFormat,
  rows: number,
): Promise<PreviewView> {
  const targets = await targetsOf(db, principal, module);
  const table = await readTable(data, format);
  return {
    format,
    header: table.header,
    rows: table.rows.slice(0, rows),
    total: table.rows.length,
    mapping: suggestMapping(table.header, targets),
    fields: targets.map(({ name, label, type, required }) => ({ name, label, type, required })),
  };
}

const viewColumns = [
  'runFlows',
  'retryOf',
  sql<boolean>`data is not null`.as('retryable'),
  'id',
  'module',
  'fileName',
  'format',
  'mode',
  'keyField',
  'mapping',
  'route',
  'tags',
  'status',
  'total',
  'processed',
  'created',
  'updated',
  'unchanged',
  'skipped',
  'failed',
  'error',
  'createdBy',
  'createdAt',
  'startedAt',
  'finishedAt',
  'rolledBackAt',
] as const;

function parseMapping(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('mapping', 'is not valid JSON');
  }
}

/** Checks the request against the file's header, stores the file and queues the job in one transaction. */
export async function startImport(
  db: Db,
  boss: PgBoss | null,
  principal: Principal,
  query: ImportQuery,
  data: Buffer,
  format: FileFormat,
): Promise<ImportView> {
  if (!boss) throw new WeftError('UNAVAILABLE', 'The job queue is not running');
  const targets = await targetsOf(db, principal, query.module);
  const mode = query.mode ?? 'create';
  if (mode === 'update') {
    if (query.module === 'users') requireAdmin(principal);
    else requireScope(principal, query.module, 'update');
  }
  const table = await readTable(data, format);
  const given = parseMapping(query.mapping);
  const mapping =
    given === undefined ? suggestMapping(table.header, targets) : checkMapping(given, table.header, targets);
  const keyField = query.keyField ?? null;
  if (mode !== 'create') {
    if (keyField === null) throw invalid('keyField', `is required in ${mode} mode`);
    const known =
      query.module === 'users'
        ? userKeys.has(keyField)
        : keyField === 'id' || targets.some((target) => target.name === keyField && !target.multiple);
    if (!known) throw invalid('keyField', `names no field of ${query.module} rows can be matched on`);
    if (!Object.values(mapping).includes(keyField))
      throw invalid('keyField', `no column of the file maps to ${keyField}`);
  }
  if (!Object.values(mapping).some((field) => field !== null && field !== 'id'))
    throw invalid('mapping', 'maps no column to a field');
  const tags = (query.tags ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  if (tags.length > 0 && query.module === 'users') throw invalid('tags', 'users have no tags');
  if (query.route && query.module === 'users') throw invalid('route', 'users are not routed');
  if (query.links && query.module === 'users') throw invalid('links', 'users have no link fields');
  const linkChoices =
    query.module === 'users' ? {} : parseLinkChoices(query.links, await getModule(db, query.module));
  const row = await db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('imports')
      .values({
        module: query.module,
        fileName: query.fileName ?? `import.${format}`,
        format,
        mode,
        keyField,
        mapping: JSON.stringify(mapping),
        route: query.route ?? false,
        runFlows: query.runFlows ?? false,
        linkChoices: JSON.stringify(linkChoices),
        tags,
        data,
        total: table.rows.length,
        createdBy: principal.id,
      })
      .returning(viewColumns)
      .executeTakeFirstOrThrow();
    // The job exists if and only if the import row does.
    await boss.send(
      importQueue,
      { id: created.id },
      {
        db: {
          executeSql: async (text: string, values?: unknown[]) => ({
            rows: (await trx.executeQuery(CompiledQuery.raw(text, values ?? []))).rows as unknown[],
          }),
        },
      },
    );
    return created;
  });
  return row;
}

/** Admins see every import; others their own. */
function visible(db: Db, principal: Principal) {
  let select = db.selectFrom('imports').select(viewColumns);
  if (!principal.isAdmin) select = select.where('createdBy', '=', principal.id);
  return select;
}

export async function getImport(db: Db, principal: Principal, id: string): Promise<ImportView> {
  const row = await visible(db, principal).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`Import ${id}`);
  return row;
}

export async function listImports(
  db: Db,
  principal: Principal,
  query: { limit: number; cursor?: string | undefined; module?: string | undefined },
) {
  const after = decodeCursor(query.cursor, ['timestamp', 'uuid']);
  let select = visible(db, principal).select(sql<string>`to_json(created_at) #>> '{}'`.as('key'));
  if (query.module) select = select.where('module', '=', query.module);
  if (after)
    select = select.where(
      sql<SqlBool>`(created_at, id) < (${String(after[0])}::timestamptz, ${String(after[1])}::uuid)`,
    );
  const rows = await select
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = toPage(rows, query.limit, (row) => [row.key, row.id]);
  return { items: page.items.map(({ key: _key, ...item }) => item), nextCursor: page.nextCursor };
}

/** The failed rows, in file order. */
export async function listImportErrors(
  db: Db,
  principal: Principal,
  id: string,
  query: { limit: number; cursor?: string | undefined },
) {
  await getImport(db, principal, id);
  const after = decodeCursor(query.cursor, ['integer']);
  let select = db
    .selectFrom('importErrors')
    .select(['id', 'row', 'field', 'reason'])
    .where('importId', '=', id);
  if (after) select = select.where('id', '>', String(after[0]));
  const rows = await select
    .orderBy('id')
    .limit(query.limit + 1)
    .execute();
  const page = toPage(rows, query.limit, (row) => [Number(row.id)]);
  return { items: page.items.map(({ id: _id, ...item }) => item), nextCursor: page.nextCursor };
}

/** The queue's worker: one import at a time per process, so two never compete for the 2 cores. */
export async function startImportWorker(boss: PgBoss, db: Db, settings: SettingsService): Promise<void> {
  // A long import is not expired while its worker lives (the heartbeat says so); a dead
  // worker's job is retried within a minute, and resumes after its last committed batch.
  await boss.createQueue(importQueue, { heartbeatSeconds: 30, expireInSeconds: 6 * 3600, retryLimit: 2 });
  await boss.work<{ id: string }>(importQueue, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
    if (job) await runImport(db, settings, job.data.id);
  });
}

/** A cell written back to CSV: quoted when it must be. */
const csvCell = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);

/**
 * Retries a failed or partly failed import from its kept file, without uploading it again: a
 * new import of the rows that failed (of one that finished), or of the whole file (of one
 * that stopped), with the same mapping and options unless the request changes them.
 */
export async function retryImport(
  db: Db,
  boss: PgBoss | null,
  principal: Principal,
  id: string,
  changes: Partial<ImportQuery>,
): Promise<ImportView> {
  const found = await getImport(db, principal, id);
  const kept = await db
    .selectFrom('imports')
    .select(['data', 'format', 'linkChoices'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  if (found.status === 'queued' || found.status === 'running')
    throw new WeftError('CONFLICT', 'This import is still running', [
      { field: 'status', reason: `is ${found.status}` },
    ]);
  if (!kept.data)
    throw new WeftError(
      'UNPROCESSABLE',
      'This import finished without failed rows: there is nothing to retry',
      [{ field: 'id', reason: 'has no kept file' }],
    );
  const table = await readTable(kept.data, kept.format);
  let rows = table.rows;
  if (found.status !== 'failed') {
    const failed = await db
      .selectFrom('importErrors')
      .select('row')
      .distinct()
      .where('importId', '=', id)
      .execute();
    const wanted = new Set(failed.map((error) => error.row));
    rows = table.rows.filter((_, index) => wanted.has(index + 2));
    if (rows.length === 0)
      throw new WeftError('UNPROCESSABLE', 'No row of this import failed: there is nothing to retry', [
        { field: 'id', reason: 'has no failed rows' },
      ]);
  }
  const csv = [table.header, ...rows]
    .map((cells) => cells.map((cell) => csvCell(cell ?? '')).join(','))
    .join('\n');
  const query: ImportQuery = {
    module: found.module,
    mode: found.mode,
    ...(found.keyField ? { keyField: found.keyField } : {}),
    mapping: JSON.stringify(found.mapping),
    route: found.route,
    runFlows: found.runFlows,
    links: JSON.stringify(kept.linkChoices),
    ...(found.tags.length > 0 ? { tags: found.tags.join(',') } : {}),
    fileName: found.fileName.replace(
      /(\.[a-z]+)?$/i,
      (ext) => ` (retry)${ext === '.xlsx' ? '.csv' : ext || '.csv'}`,
    ),
    ...changes,
  };
  const started = await startImport(db, boss, principal, query, Buffer.from(csv), 'csv');
  await db.updateTable('imports').set({ retryOf: id }).where('id', '=', started.id).execute();
  return { ...started, retryOf: id };
}
