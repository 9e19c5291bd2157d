import type { ModuleFile } from '../../schemas/module-file.ts';
import type { FieldBody } from '../../schemas/modules.ts';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { WeftError } from '../platform/errors.ts';
import { getModule, installModule } from './modules.ts';
import { customModuleFields, systemFields } from './standard-modules.ts';
import { exportStudio, importStudioDropdowns, importStudioLayouts } from './studio-transfer.ts';

/**
 * A custom module as a file, so that it can be installed on another Weft: its fields here,
 * its dropdowns and layouts through the Studio transfer.
 */

const builtIn = new Set([...systemFields, ...customModuleFields].map((field) => field.name));

export async function exportModule(db: Db, name: string): Promise<ModuleFile> {
  const module = await getModule(db, name);
  if (!module.custom) {
    throw new WeftError('UNPROCESSABLE', `${name} is a standard module: only custom modules export`);
  }
  const fields: FieldBody[] = module.fields
    .filter((field) => !builtIn.has(field.name))
    .map(({ system: _system, ...field }) => field);
  const studio = await exportStudio(db, name);
  return {
    format: 'weft.module',
    version: 1,
    module: {
      name: module.name,
      label: module.label,
      itemName: module.itemName,
      searchable: module.searchable,
      editable: module.editable,
      visible: module.visible,
      fields,
    },
    dropdowns: studio.dropdowns,
    layouts: studio.layouts,
  };
}

/** Installs a module file in one transaction: dropdowns, then the module and its fields, then layouts. */
export async function importModule(db: Db, actor: Actor, file: ModuleFile): Promise<{ name: string }> {
  const { module } = file;
  const dropdowns = file.dropdowns ?? [];
  const layouts = file.layouts ?? [];
  await inTransaction(db, async (trx) => {
    const localIds = await importStudioDropdowns(trx, dropdowns);
    const fields = (module.fields ?? []).map((field) => {
      const dropdownId = field.options?.dropdownId;
      return typeof dropdownId === 'string' && localIds[dropdownId]
        ? { ...field, options: { ...field.options, dropdownId: localIds[dropdownId] } }
        : field;
    });
    await installModule(
      trx,
      {
        name: module.name,
        label: module.label,
        itemName: module.itemName ?? module.label,
        custom: true,
        displayFields: ['name'],
        searchable: module.searchable,
        editable: module.editable,
        visible: module.visible,
      },
      [...customModuleFields, ...fields],
    );
    await importStudioLayouts(trx, module.name, layouts);
    await audit(
      trx,
      actor,
      'module.import',
      { type: 'module', id: module.name },
      { fields: fields.length, dropdowns: dropdowns.length, layouts: layouts.length },
    );
  });
  return { name: module.name };
}
