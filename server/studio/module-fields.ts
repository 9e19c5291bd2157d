import type { FieldBody, FieldPatch } from '../../schemas/modules.ts';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { conflict, invalid, notFound, WeftError } from '../platform/errors.ts';
import {
  addFieldColumn,
  applyConstraints,
  builtinColumns,
  columnName,
  countValues,
  dropFieldColumn,
} from './fields.ts';
import {
  bumpVersion,
  checkOptions,
  type FieldDefinition,
  insertField,
  lockModule,
  type ModuleDefinition,
  normalizeField,
} from './modules.ts';

/** Studio's field changes: each one the metadata row and the column's DDL in one transaction. */

/** The module flag "editable": off, its fields cannot be added, changed or removed. */
function refuseUneditable(module: { name: string; label: string; editable: boolean }) {
  if (!module.editable)
    throw new WeftError(
      'UNPROCESSABLE',
      `${module.label} is not editable: turn its "editable" flag on before changing its fields`,
      [{ field: 'module', reason: 'is not editable' }],
    );
}

export async function addField(db: Db, actor: Actor, moduleName: string, body: FieldBody) {
  const field = await inTransaction(db, async (trx) => {
    const module = await lockModule(trx, moduleName);
    refuseUneditable(module);
    const position = Math.max(-1, ...module.fields.map((f) => f.position)) + 1;
    const field = await normalizeField(trx, module, body, position, false);
    await insertField(trx, moduleName, field);
    await guardUnique(field.name, () => addFieldColumn(trx, moduleName, field));
    await bumpVersion(trx, moduleName);
    await audit(
      trx,
      actor,
      'module.field.add',
      { type: 'module', id: moduleName },
      { field: field.name, type: field.type },
    );
    return field;
  });
  return field;
}

function fieldOf(module: ModuleDefinition, name: string): FieldDefinition {
  const field = module.fields.find((candidate) => candidate.name === name);
  if (!field) throw notFound(`Field ${module.name}.${name}`);
  return field;
}

async function guardUnique<T>(field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      throw conflict(field, 'cannot be unique: records hold duplicate values');
    throw error;
  }
}

/** Options that decide the column's type or reference cannot change once the column exists. */
const fixedOptions = ['multiple', 'module', 'moduleField'];

export async function updateField(db: Db, actor: Actor, moduleName: string, name: string, patch: FieldPatch) {
  return inTransaction(db, async (trx) => {
    const module = await lockModule(trx, moduleName);
    refuseUneditable(module);
    const before = fieldOf(module, name);
    const after: FieldDefinition = {
      ...before,
      ...Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)),
      options: { ...before.options, ...(patch.options ?? {}) },
    };
    for (const option of fixedOptions) {
      if (JSON.stringify(before.options[option]) !== JSON.stringify(after.options[option])) {
        throw invalid(`options.${option}`, 'cannot change once the field exists');
      }
    }
    if (
      before.system &&
      columnName(before.name) !== 'visibility' &&
      builtinColumns.has(columnName(before.name))
    ) {
      for (const key of ['required', 'unique', 'readOnly', 'defaultValue'] as const) {
        if (key in patch) throw invalid(key, `cannot change on the built-in field ${name}`);
      }
    }
    await checkOptions(
      trx,
      { name: moduleName, fields: module.fields.filter((f) => f.name !== name) },
      after,
    );
    await trx
      .updateTable('moduleFields')
      .set({
        label: after.label,
        required: after.required,
        unique: after.unique,
        searchable: after.searchable,
        readOnly: after.readOnly,
        defaultValue: JSON.stringify(after.defaultValue),
        options: JSON.stringify(after.options),
        position: after.position,
      })
      .where('module', '=', moduleName)
      .where('name', '=', name)
      .execute();
    await guardUnique(name, () => applyConstraints(trx, moduleName, before, after));
    await bumpVersion(trx, moduleName);
    await audit(
      trx,
      actor,
      'module.field.update',
      { type: 'module', id: moduleName },
      { field: name, ...patch },
    );
    return after;
  });
}

/**
 * Removing a field drops its column and every value in it, so without `confirm` the
 * answer is a 409 saying how many records hold a value. Standard fields stay.
 */
export async function removeField(db: Db, actor: Actor, moduleName: string, name: string, confirm: boolean) {
  return inTransaction(db, async (trx) => {
    const module = await lockModule(trx, moduleName);
    refuseUneditable(module);
    const field = fieldOf(module, name);
    if (field.system)
      throw new WeftError('UNPROCESSABLE', `${name} is a standard field and cannot be removed`);
    const holders = module.fields.filter((f) => f.options.moduleField === name).map((f) => f.name);
    if (holders.length > 0) throw conflict(name, `holds the target module of ${holders.join(', ')}`);
    const records = await countValues(trx, moduleName, field);
    if (!confirm) {
      throw new WeftError(
        'CONFLICT',
        `Removing ${moduleName}.${name} deletes its value in ${records} records; repeat with ?confirm=true`,
        [{ field: name, reason: 'removal drops its data', records }],
      );
    }
    await dropFieldColumn(trx, moduleName, field);
    await trx.deleteFrom('moduleFields').where('module', '=', moduleName).where('name', '=', name).execute();
    const displayFields = module.displayFields.filter((f) => f !== name);
    await trx
      .updateTable('modules')
      .set({ displayFields: displayFields.length > 0 ? displayFields : ['id'] })
      .where('name', '=', moduleName)
      .execute();
    await bumpVersion(trx, moduleName);
    await audit(
      trx,
      actor,
      'module.field.remove',
      { type: 'module', id: moduleName },
      { field: name, records },
    );
    return { removed: name, records };
  });
}
