import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { FieldBody, FieldType, ModuleBody, ModulePatch } from '../../schemas/modules.ts';
import type { Db } from '../db/index.ts';
import { schemaChanged } from '../db/prepared.ts';
import { inTransaction } from '../db/transaction.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { conflict, invalid, notFound, WeftError } from '../platform/errors.ts';
import { checkDropdownField } from './dropdown-values.ts';
import {
  addFieldColumn,
  builtinColumns,
  columnName,
  createRecordsTable,
  createSortIndex,
  dropRecordsTable,
  tableOf,
} from './fields.ts';
import { valueProblem } from './record-schema.ts';
import { customModuleFields, systemFields } from './standard-modules.ts';

export interface FieldDefinition {
  name: string;
  label: string;
  type: FieldType;
  required: boolean;
  unique: boolean;
  searchable: boolean;
  readOnly: boolean;
  defaultValue: unknown;
  options: Record<string, unknown>;
  system: boolean;
  position: number;
}

export interface ModuleDefinition {
  name: string;
  label: string;
  itemName: string;
  custom: boolean;
  table: string;
  fields: FieldDefinition[];
  searchable: boolean;
  editable: boolean;
  visible: boolean;
  /** Fields whose values, joined by spaces, name a record (links show this). */
  displayFields: string[];
  /** Bumped by every field change: caches of anything derived from the definition key on it. */
  version: number;
}

/** The snake_case column of a field in `rec_<module>`. */
export function columnOf(field: FieldDefinition): string {
  return columnName(field.name);
}

const moduleColumns = [
  'name',
  'label',
  'itemName',
  'custom',
  'searchable',
  'editable',
  'visible',
  'displayFields',
  'version',
] as const;

/** Every module definition with its fields, in one query. */
async function loadModules(db: Db): Promise<readonly ModuleDefinition[]> {
  const rows = await db
    .selectFrom('modules')
    .select((eb) => [
      ...moduleColumns,
      jsonArrayFrom(
        eb
          .selectFrom('moduleFields')
          .select([
            'name',
            'label',
            'type',
            'required',
            'unique',
            'searchable',
            'readOnly',
            'defaultValue',
            'options',
            'system',
            'position',
          ])
          .whereRef('moduleFields.module', '=', 'modules.name')
          .orderBy('position')
          .orderBy('name'),
      ).as('fields'),
    ])
    .orderBy('name')
    .execute();
  return deepFreeze(
    rows.map((row) => ({
      ...row,
      table: tableOf(row.name),
      fields: row.fields.map(({ type, ...field }) => ({ ...field, type: type as FieldType })),
    })),
  );
}

/** Shared definitions are read-only: a caller that changed one would change it for every later reader. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * Definitions by the schema token they were read under (migration 0014: a random token
 * that every write to `modules` or `module_fields` replaces). A token names one set of
 * definitions of one database, so the few kept serve every database this process uses.
 */
const byToken = new Map<string, Promise<readonly ModuleDefinition[]>>();
const keptTokens = 8;

/**
 * Transactions that read the schema token once (`pinModules`): a bulk action's chunk or a
 * batch of flow steps calls the record services many times and changes no definition.
 * Not for a transaction that changes definitions, which must read its own changes.
 */
const pinned = new WeakMap<Db, { token?: Promise<string> }>();

export function pinModules(trx: Db): void {
  if (!pinned.has(trx)) pinned.set(trx, {});
}

async function schemaToken(db: Db): Promise<string> {
  const { rows } = await sql<{ token: string }>`select token from schema_token`.execute(db);
  const token = rows[0]?.token;
  if (!token) throw new Error('schema_token has no row (migration 0014)');
  return token;
}

function currentToken(db: Db): Promise<string> {
  const pin = pinned.get(db);
  if (pin && !pin.token) pin.token = schemaToken(db);
  return pin?.token ?? schemaToken(db);
}

/** The module definitions as `db` sees them: one small query, or none in a pinned transaction. */
async function readModules(db: Db): Promise<readonly ModuleDefinition[]> {
  const token = await currentToken(db);
  let modules = byToken.get(token);
  if (!modules) {
    if (byToken.size > 0) schemaChanged();
    modules = loadModules(db);
    byToken.set(token, modules);
    modules.catch(() => byToken.delete(token));
    for (const old of byToken.keys()) if (byToken.size > keptTokens) byToken.delete(old);
  }
  return modules;
}

/** Values derived from what the schema token covers, by token and then by the caller's key. */
const derivedByToken = new Map<string, Map<string, Promise<unknown>>>();

/**
 * Something derived from the definitions or the field permissions (which the token also
 * covers, migration 0032), read once per token: `load` runs when the token has changed.
 */
export async function underSchemaToken<T>(db: Db, key: string, load: (db: Db) => Promise<T>): Promise<T> {
  const token = await currentToken(db);
  let derived = derivedByToken.get(token);
  if (!derived) {
    derived = new Map();
    derivedByToken.set(token, derived);
    for (const old of derivedByToken.keys()) if (derivedByToken.size > keptTokens) derivedByToken.delete(old);
  }
  let value = derived.get(key) as Promise<T> | undefined;
  if (!value) {
    value = load(db);
    derived.set(key, value);
    value.catch(() => derived.delete(key));
  }
  return value;
}

export async function listModules(db: Db): Promise<readonly ModuleDefinition[]> {
  return readModules(db);
}

export async function findModule(db: Db, name: string): Promise<ModuleDefinition | undefined> {
  return (await readModules(db)).find((module) => module.name === name);
}

/**
 * Whether a module exists, read directly: for Studio changes, whose transaction changes
 * definitions (and so the schema token) between reads, and for migrations older than the token.
 */
async function moduleExists(trx: Db, name: string): Promise<boolean> {
  return (
    (await trx.selectFrom('modules').select('name').where('name', '=', name).executeTakeFirst()) !== undefined
  );
}

export async function getModule(db: Db, name: string): Promise<ModuleDefinition> {
  const module = await findModule(db, name);
  if (!module) throw notFound(`Module ${name}`);
  return module;
}

/** Locks a module's metadata row for the rest of the transaction: Studio changes to one module run one at a time. */
export async function lockModule(trx: Db, name: string): Promise<ModuleDefinition> {
  const row = await trx
    .selectFrom('modules')
    .select('name')
    .where('name', '=', name)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound(`Module ${name}`);
  return getModule(trx, name);
}

export async function bumpVersion(trx: Db, name: string): Promise<void> {
  await trx
    .updateTable('modules')
    .set({ version: sql`nextval('module_versions')`, updatedAt: new Date() })
    .where('name', '=', name)
    .execute();
}

/** Fills a field body's gaps and checks it against the module it joins; throws a 4xx naming the problem. */
export async function normalizeField(
  trx: Db,
  module: { name: string; fields: { name: string; type: FieldType }[] },
  body: FieldBody,
  position: number,
  system: boolean,
): Promise<FieldDefinition> {
  const field: FieldDefinition = {
    name: body.name,
    label: body.label,
    type: body.type,
    required: body.required ?? false,
    unique: body.unique ?? false,
    searchable: body.searchable ?? false,
    readOnly: body.readOnly ?? false,
    defaultValue: body.defaultValue ?? null,
    options: body.options ?? {},
    system,
    position: body.position ?? position,
  };
  if (builtinColumns.has(columnName(field.name)) && !system)
    throw conflict('name', 'is reserved for a built-in field');
  // A record is a plain object: a field named `constructor` or `toString` would shadow what
  // every object inherits (and every later create in the module failed on it).
  if (objectMembers.has(field.name))
    throw invalid('name', 'is reserved: every JavaScript object has a member of that name');
  if (module.fields.some((existing) => existing.name === field.name)) {
    throw conflict('name', `is taken by another field of ${module.name}`);
  }
  await checkOptions(trx, module, field);
  return field;
}

export async function checkOptions(
  trx: Db,
  module: { name: string; fields: { name: string; type: FieldType }[] },
  field: FieldDefinition,
): Promise<void> {
  if (field.type === 'link') {
    const target = field.options.module;
    const holder = field.options.moduleField;
    if ((target === undefined) === (holder === undefined)) {
      throw invalid('options', 'a link names either its target `module` or the `moduleField` holding it');
    }
    if (typeof target === 'string' && target !== module.name && !(await moduleExists(trx, target))) {
      throw invalid('options.module', `names no module (${target})`);
    }
    if (typeof holder === 'string' && !module.fields.some((f) => f.name === holder && f.type === 'text')) {
      throw invalid('options.moduleField', `names no text field of ${module.name}`);
    }
  }
  if (field.type === 'dropdown' && field.options.dropdownId !== undefined) {
    const problem = await checkDropdownField(trx, field.options.dropdownId, field.options.multiple === true);
    if (problem) throw invalid('options.dropdownId', problem);
  }
  if (field.defaultValue !== null) {
    const problem = valueProblem(field, field.defaultValue);
    if (problem) throw invalid('defaultValue', problem);
  }
}

export async function insertField(trx: Db, module: string, field: FieldDefinition): Promise<void> {
  await trx
    .insertInto('moduleFields')
    .values({
      module,
      ...field,
      defaultValue: JSON.stringify(field.defaultValue),
      options: JSON.stringify(field.options),
    })
    .execute();
}

export interface ModuleSpec {
  name: string;
  label: string;
  itemName: string;
  custom: boolean;
  displayFields: string[];
  searchable?: boolean | undefined;
  editable?: boolean | undefined;
  visible?: boolean | undefined;
}

const objectMembers = new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__']);

/** Names the importer reads as something else than a module (`data/imports.ts`: `users` are Weft's users). */
const reservedModuleNames = new Set(['users']);

/** Creates the metadata, the records table and every field's column in the caller's transaction. */
export async function installModule(trx: Db, spec: ModuleSpec, fields: FieldBody[]): Promise<void> {
  if (spec.custom && reservedModuleNames.has(spec.name))
    throw invalid('name', `is reserved: imports into "${spec.name}" create Weft users`);
  if (await moduleExists(trx, spec.name)) throw conflict('name', 'is taken by another module');
  await trx
    .insertInto('modules')
    .values({
      name: spec.name,
      label: spec.label,
      itemName: spec.itemName,
      custom: spec.custom,
      displayFields: spec.displayFields,
      searchable: spec.searchable ?? true,
      editable: spec.editable ?? true,
      visible: spec.visible ?? true,
    })
    .execute();
  await createRecordsTable(trx, spec.name);
  const known: FieldDefinition[] = [];
  const all: [FieldBody, boolean][] = [
    ...systemFields.map((field): [FieldBody, boolean] => [field, true]),
    ...fields.map((field): [FieldBody, boolean] => [
      field,
      !spec.custom || customModuleFields.includes(field),
    ]),
  ];
  for (const [body, system] of all) {
    const field = await normalizeField(trx, { name: spec.name, fields: known }, body, known.length, system);
    await insertField(trx, spec.name, field);
    if (!builtinColumns.has(columnName(field.name))) await addFieldColumn(trx, spec.name, field);
    if (spec.displayFields.includes(field.name)) await createSortIndex(trx, spec.name, field);
    known.push(field);
  }
}

export async function createModule(db: Db, actor: Actor, body: ModuleBody): Promise<ModuleDefinition> {
  await inTransaction(db, async (trx) => {
    await installModule(
      trx,
      {
        name: body.name,
        label: body.label,
        itemName: body.itemName ?? body.label,
        custom: true,
        displayFields: ['name'],
        searchable: body.searchable,
        editable: body.editable,
        visible: body.visible,
      },
      [...customModuleFields, ...(body.fields ?? [])],
    );
    await audit(trx, actor, 'module.create', { type: 'module', id: body.name }, { label: body.label });
  });
  return getModule(db, body.name);
}

export async function updateModule(db: Db, actor: Actor, name: string, patch: ModulePatch) {
  await inTransaction(db, async (trx) => {
    await lockModule(trx, name);
    await trx
      .updateTable('modules')
      .set({ ...patch, updatedAt: new Date() })
      .where('name', '=', name)
      .execute();
    await audit(trx, actor, 'module.update', { type: 'module', id: name }, patch);
  });
  return getModule(db, name);
}

/** Only admin-created modules may go, and not while another module links to them. */
/**
 * Deletes a custom module with its records. A module that holds records is deleted only when
 * `confirm` is their number, so that the admin has seen how many go with it.
 */
export async function deleteModule(db: Db, actor: Actor, name: string, confirm?: number): Promise<void> {
  await inTransaction(db, async (trx) => {
    const module = await lockModule(trx, name);
    if (!module.custom)
      throw new WeftError('UNPROCESSABLE', `${name} is a standard module and cannot be deleted`);
    const { count } = await sql<{
      count: number;
    }>`select count(*)::int as count from ${sql.table(module.table)}`
      .execute(trx)
      .then((result) => result.rows[0] ?? { count: 0 });
    if (count > 0 && confirm !== count)
      throw new WeftError(
        'CONFLICT',
        `${module.label} holds ${count} record${count === 1 ? '' : 's'}; confirm with ${count} to delete ${count === 1 ? 'it' : 'them'} with the module`,
        [{ field: 'confirm', reason: `must be ${count}, the number of records deleted with the module` }],
      );
    const linking = (await listModules(trx)).flatMap((other) =>
      other.name === name
        ? []
        : other.fields
            .filter((f) => f.type === 'link' && f.options.module === name)
            .map((f) => `${other.name}.${f.name}`),
    );
    if (linking.length > 0) throw conflict('name', `is the target of link fields: ${linking.join(', ')}`);
    await dropRecordsTable(trx, name);
    // Layouts follow their module by name (no foreign key): they go with it.
    await trx.deleteFrom('layouts').where('module', '=', name).execute();
    await trx.deleteFrom('modules').where('name', '=', name).execute();
    await audit(trx, actor, 'module.delete', { type: 'module', id: name });
  });
}

/** How records of a module are named: its display fields' values joined by spaces. */
export function displayExpression(module: ModuleDefinition) {
  const columns = module.displayFields.filter(
    (name) => name === 'id' || module.fields.some((f) => f.name === name),
  );
  if (columns.length === 0) return sql<string>`id::text`;
  return sql<string>`nullif(concat_ws(' ', ${sql.join(columns.map((name) => sql`${sql.id(columnName(name))}::text`))}), '')`;
}
