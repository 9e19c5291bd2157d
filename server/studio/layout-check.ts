import type { LayoutDefinition, LayoutKind, LayoutSection } from '../../schemas/layout.ts';
import type { FieldProblem } from '../platform/errors.ts';
import type { FieldDefinition, ModuleDefinition } from './modules.ts';
import { systemFields } from './standard-modules.ts';

/**
 * Checks of a layout against its module that a JSON Schema cannot make, and the layout
 * generated when a module has none. Pure: the module definition is passed in.
 */

export interface LayoutInspection {
  /** Names that are not fields of the module, or repeat an earlier place: refused on write. */
  errors: FieldProblem[];
  /** Required fields a form must show and this layout leaves out. */
  missingRequired: FieldProblem[];
  /** The definition without the names `errors` points at: what a reader may render. */
  pruned: LayoutDefinition;
}

/** A form must show it: the user has to enter it, and nothing fills it in otherwise. */
const mustShow = (field: FieldDefinition) =>
  field.required && !field.readOnly && (field.defaultValue === null || field.defaultValue === undefined);

export function inspectLayout(module: ModuleDefinition, layout: LayoutDefinition): LayoutInspection {
  const fields = new Map(module.fields.map((field) => [field.name, field]));
  const placed = new Map<string, string>();
  const errors: FieldProblem[] = [];
  const sections = layout.sections.map((section, s): LayoutSection => {
    if (section.collapsed && !section.collapsible)
      errors.push({ field: `sections[${s}].collapsed`, reason: 'needs collapsible' });
    const rows = section.rows.map((row, r) => ({
      columns: row.columns.map((column, c) => ({
        fields: column.fields.filter((name, f) => {
          const path = `sections[${s}].rows[${r}].columns[${c}].fields[${f}]`;
          const earlier = placed.get(name);
          if (!fields.has(name)) {
            errors.push({ field: path, reason: `"${name}" is not a field of ${module.name}` });
            return false;
          }
          if (earlier !== undefined) {
            errors.push({ field: path, reason: `"${name}" is already at ${earlier}` });
            return false;
          }
          placed.set(name, path);
          return true;
        }),
      })),
    }));
    return { ...section, rows };
  });
  const missingRequired = module.fields
    .filter((field) => mustShow(field) && !placed.has(field.name))
    .map((field) => ({ field: 'sections', reason: `leaves out the required field "${field.name}"` }));
  return { errors, missingRequired, pruned: { sections } };
}

/**
 * What a module without a default layout shows: one section, the fields in their order
 * (the module's own before the ones every module has), two to a row. A form leaves
 * out read-only fields (nobody enters them); a view shows all.
 */
/** Assignment, visibility, tags, timestamps: shown after the fields that make a module what it is. */
const everyModules = new Set(systemFields.map((field) => field.name));

export function generateLayout(module: ModuleDefinition, kind: LayoutKind): LayoutDefinition {
  const shown = module.fields
    .filter((field) => kind === 'view' || !field.readOnly)
    .map((field) => field.name);
  const names = [
    ...shown.filter((name) => !everyModules.has(name)),
    ...shown.filter((name) => everyModules.has(name)),
  ];
  const rows = [];
  for (let i = 0; i < names.length; i += 2)
    rows.push({ columns: [{ fields: names.slice(i, i + 1) }, { fields: names.slice(i + 1, i + 2) }] });
  return { sections: [{ title: module.label, collapsible: false, collapsed: false, rows }] };
}
