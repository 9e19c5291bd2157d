/** Filter conditions as the list builds them, and the json-logic `where` they make. */
import type { FieldDef } from '../console/console-api.ts';

export interface Condition {
  field: string;
  op: string;
  value: string;
}

const numeric = new Set(['number', 'currency', 'percentage', 'rating']);

function literal(field: FieldDef | undefined, value: string): unknown {
  if (field && numeric.has(field.type) && value.trim() !== '' && !Number.isNaN(Number(value)))
    return Number(value);
  if (field?.type === 'boolean') return value === 'true' || value === 'yes';
  return value;
}

/** The conditions joined with "and", or undefined when there are none. */
export function toWhere(conditions: Condition[], fields: FieldDef[]): unknown {
  const rules = conditions
    .filter((c) => c.field && c.op)
    .map((c) => {
      const target = { var: c.field };
      if (c.op === 'empty' || c.op === 'notEmpty') return { [c.op]: [target] };
      return {
        [c.op]: [
          target,
          literal(
            fields.find((f) => f.name === c.field),
            c.value,
          ),
        ],
      };
    });
  if (rules.length === 0) return undefined;
  return rules.length === 1 ? rules[0] : { and: rules };
}
