import type { FieldBody, ModuleExport } from '../../schemas/modules.ts';
import type { Db } from '../db/index.ts';
import { WeftError } from '../errors.ts';
import { type Actor, audit } from './audit.ts';
import { getModule, installModule } from './modules.ts';
import { customModuleFields, systemFields } from './standard-modules.ts';

/**
 * A custom module as a file: its definition, the dropdowns its fields use and its
 * layouts, so that it can be installed on another Weft.
 */

const builtIn = new Set([...systemFields, ...customModuleFields].map((field) => field.name));

export async function exportModule(db: Db, name: string): Promise<ModuleExport> {
  const module = await getModule(db, name);
  if (!module.custom)
    throw new WeftError('UNPROCESSABLE', `${name} is a standard module: only custom modules export`);
  const fields: FieldBody[] = module.fields
    .filter((field) => !builtIn.has(field.name))
    .map(({ system: _system, options, ...field }) => ({ ...field, options }) as FieldBody);
  const dropdownIds = module.fields.flatMap((field) =>
    typeof field.options.dropdownId === 'string' ? [field.options.dropdownId] : [],
  );
  const [dropdowns, layouts] = await Promise.all([
    dropdownIds.length === 0
      ? []
      : db
          .selectFrom('dropdowns')
          .select(['id', 'name', 'options', 'multi', 'parentId', 'dependencies'])
          .where('id', 'in', dropdownIds)
          .execute(),
    db
      .selectFrom('layouts')
      .select(['name', 'definition', 'defaultView', 'defaultForm'])
      .where('module', '=', name)
      .orderBy('name')
      .execute(),
  ]);
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
    dropdowns,
    layouts,
  };
}

interface ExportedDropdown {
  id: string;
  name: string;
  options: { value: string; label: string }[];
  multi: boolean;
  parentId: string | null;
  dependencies: Record<string, string[]>;
}

/**
 * Installs a module file in one transaction. Dropdowns are matched by name (an existing
 * one of the same name is reused, else created) and fields are pointed at the local ids.
 */
export async function importModule(db: Db, actor: Actor, file: ModuleExport): Promise<{ name: string }> {
  const { module } = file;
  await db.transaction().execute(async (trx) => {
    const idMap = new Map<string, string>();
    const dropdowns = (file.dropdowns ?? []) as unknown as ExportedDropdown[];
    // Parents first, so that a dependent dropdown can point at its parent's local id.
    const ordered = [...dropdowns].sort((a, b) => Number(a.parentId !== null) - Number(b.parentId !== null));
    for (const dropdown of ordered) {
      const existing = await trx
        .selectFrom('dropdowns')
        .select('id')
        .where((eb) => eb(eb.fn('lower', ['name']), '=', dropdown.name.toLowerCase()))
        .executeTakeFirst();
      const id =
        existing?.id ??
        (
          await trx
            .insertInto('dropdowns')
            .values({
              name: dropdown.name,
              options: JSON.stringify(dropdown.options),
              multi: dropdown.multi,
              parentId: dropdown.parentId ? (idMap.get(dropdown.parentId) ?? null) : null,
              dependencies: JSON.stringify(dropdown.dependencies ?? {}),
            })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      idMap.set(dropdown.id, id);
    }
    const fields = (module.fields ?? []).map((field) => {
      const dropdownId = field.options?.dropdownId;
      return typeof dropdownId === 'string' && idMap.has(dropdownId)
        ? { ...field, options: { ...field.options, dropdownId: idMap.get(dropdownId) } }
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
    const layouts = (file.layouts ?? []) as {
      name: string;
      definition: unknown;
      defaultView?: boolean;
      defaultForm?: boolean;
    }[];
    for (const layout of layouts) {
      await trx
        .insertInto('layouts')
        .values({
          module: module.name,
          name: layout.name,
          definition: JSON.stringify(layout.definition),
          defaultView: layout.defaultView ?? false,
          defaultForm: layout.defaultForm ?? false,
        })
        .execute();
    }
    await audit(
      trx,
      actor,
      'module.import',
      { type: 'module', id: module.name },
      {
        fields: fields.length,
        dropdowns: dropdowns.length,
        layouts: layouts.length,
      },
    );
  });
  return { name: module.name };
}
