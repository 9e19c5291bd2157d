/** Pure edits of a layout definition, for the drag-and-drop editor. */
import type { LayoutSection } from '../../../schemas/layout.ts';

export type Sections = LayoutSection[];

/** Where a column is: section, row, column index. */
export interface Slot {
  section: number;
  row: number;
  column: number;
}

const clone = (sections: Sections): Sections => structuredClone(sections);

export const placedFields = (sections: Sections) =>
  new Set(sections.flatMap((s) => s.rows.flatMap((r) => r.columns.flatMap((c) => c.fields))));

/** Removes the field wherever it is, then appends it to the column at `to`. */
export function moveField(sections: Sections, field: string, to: Slot): Sections {
  const next = removeField(sections, field);
  next[to.section]?.rows[to.row]?.columns[to.column]?.fields.push(field);
  return next;
}

export function removeField(sections: Sections, field: string): Sections {
  const next = clone(sections);
  for (const section of next)
    for (const row of section.rows)
      for (const column of row.columns) column.fields = column.fields.filter((f) => f !== field);
  return next;
}

export function addRow(sections: Sections, section: number, columns: number): Sections {
  const next = clone(sections);
  next[section]?.rows.push({ columns: Array.from({ length: columns }, () => ({ fields: [] })) });
  return next;
}

export function removeRow(sections: Sections, section: number, row: number): Sections {
  const next = clone(sections);
  next[section]?.rows.splice(row, 1);
  return next;
}

export const addSection = (sections: Sections): Sections => [
  ...clone(sections),
  {
    title: 'New section',
    collapsible: false,
    collapsed: false,
    rows: [{ columns: [{ fields: [] }, { fields: [] }] }],
  },
];

export function updateSection(sections: Sections, index: number, patch: Partial<LayoutSection>): Sections {
  return sections.map((section, i) => (i === index ? { ...section, ...patch } : section));
}

export const removeSection = (sections: Sections, index: number): Sections =>
  sections.filter((_, i) => i !== index);
