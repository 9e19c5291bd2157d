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
  { value: 'processStatus', label: 'Process stage is' },
] as const;

/** Operators without a value: the field is the whole question. */
export const takesNoValue = (op: string) => op === '!!' || op === '!' || op === 'userOnline';
/**
 * `onList` and `processStatus` ask about the current record: no field. `onList`'s value is
 * the list id; `processStatus`'s is the stage's state, with the process and stage beside it.
 */
export const takesNoField = (op: string) => op === 'onList' || op === 'processStatus';

export interface SimpleCondition {
  field: string;
  op: string;
  value: string;
  /** `processStatus` only: the process and stage ids (picked by name). */
  processId?: string;
  stageId?: string;
}

const processStates = ['started', 'completed', 'notStarted', 'notCompleted'];
const stateWords: Readonly<Record<string, string>> = {
  started: 'started',
  completed: 'completed',
  notStarted: 'not started',
  notCompleted: 'not completed',
};

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
  if (op === 'processStatus') {
    // A fourth argument (another record than the current one) is JSON-only.
    const [processId, stageId, state] = list;
    return list.length === 3 &&
      typeof processId === 'string' &&
      typeof stageId === 'string' &&
      typeof state === 'string' &&
      processStates.includes(state)
      ? { field: '', op, value: state, processId, stageId }
      : null;
  }
  if (!operators.some((o) => o.value === op) || list.length !== 2) return null;
  if (op === 'in') {
    const field = varOf(list[1]);
    return field !== null && typeof list[0] !== 'object' ? { field, op, value: String(list[0]) } : null;
  }
  const field = varOf(list[0]);
  return field !== null && typeof list[1] !== 'object' ? { field, op, value: String(list[1] ?? '') } : null;
}

export function ruleOf({ field, op, value, processId, stageId }: SimpleCondition): unknown {
  const subject = { var: field };
  if (takesNoValue(op)) return { [op]: [subject] };
  if (op === 'onList') return { onList: [value] };
  if (op === 'processStatus')
    return { processStatus: [processId ?? '', stageId ?? '', value || 'completed'] };
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
  // The node shows no ids: the panel's pickers name the process and the stage.
  if (simple.op === 'processStatus') return `A process stage is ${stateWords[simple.value] ?? simple.value}`;
  return `${simple.field} ${label}${takesNoValue(simple.op) ? '' : ` ${simple.value}`}`;
}
