/**
 * The json-logic rules a "field operator value" row can show and write: the common case of
 * a condition. Anything richer stays JSON (`simpleOf` answers null).
 */
export const operators = [
  { value: '==', label: 'equals' },
  { value: '!=', label: 'does not equal' },
  { value: '>', label: 'is greater than' },
  { value: '<', label: 'is less than' },
  { value: 'in', label: 'contains' },
  { value: '!!', label: 'is not empty' },
  { value: '!', label: 'is empty' },
  // Read from the database when the condition is tested (engine/core/fact-operators.ts).
  { value: 'userOnline', label: 'User is online' },
  { value: 'onList', label: 'Record is on list' },
] as const;

/** Operators without a value: the field is the whole question. */
export const takesNoValue = (op: string) => op === '!!' || op === '!' || op === 'userOnline';
/** `onList` asks about the current record: its value is the list id, and it has no field. */
export const takesNoField = (op: string) => op === 'onList';

export interface SimpleCondition {
  field: string;
  op: string;
  value: string;
}

const varOf = (x: unknown) =>
  x && typeof x === 'object' && 'var' in x ? String((x as { var: unknown }).var) : null;

export function simpleOf(rule: unknown): SimpleCondition | null {
  if (rule === undefined || rule === null) return { field: '', op: '==', value: '' };
  if (typeof rule !== 'object' || Array.isArray(rule)) return null;
  const entries = Object.entries(rule);
  if (entries.length !== 1) return null;
  const [op, args] = entries[0] as [string, unknown];
  const list = Array.isArray(args) ? args : [args];
  if (op === '!!' || op === '!' || op === 'userOnline') {
    const field = varOf(list[0]);
    return field === null || list.length !== 1 ? null : { field, op, value: '' };
  }
  if (op === 'onList') {
    return list.length === 1 && typeof list[0] === 'string' ? { field: '', op, value: list[0] } : null;
  }
  if (!operators.some((o) => o.value === op) || list.length !== 2) return null;
  if (op === 'in') {
    const field = varOf(list[1]);
    return field !== null && typeof list[0] !== 'object' ? { field, op, value: String(list[0]) } : null;
  }
  const field = varOf(list[0]);
  return field !== null && typeof list[1] !== 'object' ? { field, op, value: String(list[1] ?? '') } : null;
}

export function ruleOf({ field, op, value }: SimpleCondition): unknown {
  const subject = { var: field };
  if (takesNoValue(op)) return { [op]: [subject] };
  if (op === 'onList') return { onList: [value] };
  if (op === 'in') return { in: [value, subject] };
  const numeric = (op === '>' || op === '<') && value.trim() !== '' && !Number.isNaN(Number(value));
  return { [op]: [subject, numeric ? Number(value) : value] };
}

/** "record.lastName equals Smith", "record.assignedTo: User is online", or null when the rule is not a simple one. */
export function describeCondition(rule: unknown): string | null {
  if (rule === undefined || rule === null) return null;
  const simple = simpleOf(rule);
  if (!simple) return null;
  const label = operators.find((o) => o.value === simple.op)?.label ?? simple.op;
  if (simple.op === 'userOnline') return `${simple.field}: ${label}`;
  if (simple.op === 'onList') return `${label} ${simple.value}`;
  return `${simple.field} ${label}${takesNoValue(simple.op) ? '' : ` ${simple.value}`}`;
}
