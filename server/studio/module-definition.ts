/**
 * A module's fields written as one JSON document (Studio's JSON view): the differences from
 * the module as it is become field additions, removals and alterations, applied through the
 * same functions as Studio's field editor, all in one transaction. A dry run applies them
 * and rolls back, so its preview has seen every check the real change meets (and how many
 * records lose a value). Name and type of a field never change: a rename is a removal and
 * an addition, and says so.
 */
import type { FieldBody, FieldPatch, ModuleDefinitionBody } from '../../schemas/modules.ts';
import type { Db } from '../db/index.ts';
import type { Actor } from '../platform/audit.ts';
import { invalid, WeftError } from '../platform/errors.ts';
import { countValues } from './fields.ts';
import { addField, removeField, updateField } from './module-fields.ts';
import { getModule } from './modules.ts';

export interface DefinitionChanges {
  added: Array<{ name: string; type: string }>;
  removed: Array<{ name: string; records: number }>;
  altered: Array<{ name: string; changes: FieldPatch }>;
  applied: boolean;
}

const patchKeys = [
  'label',
  'required',
  'unique',
  'searchable',
  'readOnly',
  'defaultValue',
  'options',
  'position',
] as const;

class DryRun extends Error {
  readonly changes: DefinitionChanges;
  constructor(changes: DefinitionChanges) {
    super('dry run');
    this.changes = changes;
  }
}

export async function applyDefinition(
  db: Db,
  actor: Actor,
  moduleName: string,
  body: ModuleDefinitionBody,
): Promise<DefinitionChanges> {
  const names = body.fields.map((f) => f.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw invalid(`fields/${names.lastIndexOf(twice)}/name`, `"${twice}" is used twice`);
  try {
    return await db.transaction().execute(async (trx) => {
      const module = await getModule(trx, moduleName);
      const before = new Map(module.fields.map((f) => [f.name, f]));
      const wanted = new Map(body.fields.map((f) => [f.name, f]));
      const changes: DefinitionChanges = { added: [], removed: [], altered: [], applied: !body.dryRun };
      for (const field of module.fields) {
        if (wanted.has(field.name)) continue;
        const records = await countValues(trx, moduleName, field);
        if (records > 0 && !body.confirm && !body.dryRun)
          throw new WeftError(
            'CONFLICT',
            `Removing ${moduleName}.${field.name} deletes its value in ${records} records; apply again with confirm`,
            [{ field: field.name, reason: 'removal drops its data', records }],
          );
        await removeField(trx, actor, moduleName, field.name, true);
        changes.removed.push({ name: field.name, records });
      }
      for (const [index, field] of body.fields.entries()) {
        const current = before.get(field.name);
        if (!current) {
          await addField(trx, actor, moduleName, field as FieldBody);
          changes.added.push({ name: field.name, type: field.type });
          continue;
        }
        if (current.type !== field.type)
          throw invalid(
            `fields/${index}/type`,
            `the type of ${field.name} cannot change (it is ${current.type})`,
          );
        const patch: Record<string, unknown> = {};
        for (const key of patchKeys) {
          if (field[key] === undefined) continue;
          const was = key === 'options' ? { ...current.options } : current[key];
          const now = key === 'options' ? { ...current.options, ...field.options } : field[key];
          if (JSON.stringify(was) !== JSON.stringify(now)) patch[key] = field[key];
        }
        if (Object.keys(patch).length === 0) continue;
        await updateField(trx, actor, moduleName, field.name, patch as FieldPatch);
        changes.altered.push({ name: field.name, changes: patch as FieldPatch });
      }
      if (body.dryRun) throw new DryRun(changes);
      return changes;
    });
  } catch (error) {
    if (error instanceof DryRun) return error.changes;
    throw error;
  }
}
