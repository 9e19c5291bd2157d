/** Filter conditions as the list builds them, and the json-logic `where` they make. */
import type { FieldDef } from '../console/console-api.ts';

export interface Condition {
  field: string;
  op: string;
  value: string;
  /** `processStatus` (no field; `value` is the state): the process and stage ids, picked by name. */
  processId?: string;
  stageId?: string;
}

const processStates = ['started', 'completed', 'notStarted', 'notCompleted'];

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
    .filter((c) => (c.field || c.op === 'processStatus') && c.op)
    .map((c) => {
      if (c.op === 'processStatus')
        return { processStatus: [c.processId ?? '', c.stageId ?? '', c.value || 'completed'] };
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

const ops = new Set(['==', '!=', 'contains', '<', '>']);

/**
 * The conditions a `where` was built from, when `toWhere` could have built it (a saved
 * dynamic list's filter, edited with the same builder); null for any other json-logic.
 */
export function fromWhere(where: unknown): Condition[] | null {
  if (where === true) return [];
  if (typeof where !== 'object' || where === null || Array.isArray(where)) return null;
  const entries = Object.entries(where);
  if (entries.length !== 1) return null;
  const [op, args] = entries[0] as [string, unknown];
  if (op === 'and') {
    if (!Array.isArray(args) || args.length < 2) return null;
    const parts = args.map(fromWhere);
    return parts.every((part) => part !== null && part.length === 1) ? (parts as Condition[][]).flat() : null;
  }
  if (!Array.isArray(args)) return null;
  if (op === 'processStatus') {
    const [processId, stageId, state] = args;
    return args.length === 3 &&
      typeof processId === 'string' &&
      typeof stageId === 'string' &&
      typeof state === 'string' &&
      processStates.includes(state)
      ? [{ field: '', op, value: state, processId, stageId }]
      : null;
  }
  const target = args[0] as { var?: unknown } | undefined;
  if (typeof target?.var !== 'string') return null;
  if ((op === 'empty' || op === 'notEmpty') && args.length === 1)
    return [{ field: target.var, op, value: '' }];
  const value = args[1];
  if (!ops.has(op) || args.length !== 2 || !['string', 'number', 'boolean'].includes(typeof value))
    return null;
  return [{ field: target.var, op, value: String(value) }];
}
