/** X2CRM condition lists and `{variable}` text, translated to json-logic and Weft templates. */
import { noteBinding, processPlaceholder, stagePlaceholder } from './x2crm-processes.ts';
import { x2ref } from './x2crm-refs.ts';

export interface Unmapped {
  /** JSON pointer into the X2CRM flow file. */
  path: string;
  what: string;
  reason: string;
}

type X2Condition = Record<string, unknown>;

const comparisons: Readonly<Record<string, string>> = {
  '=': '==',
  '<>': '!=',
  '!=': '!=',
  '<': '<',
  '>': '>',
  '<=': '<=',
  '>=': '>=',
};

const named: Readonly<Record<string, string>> = {
  contains: 'contains',
  noContains: 'notContains',
  notContains: 'notContains',
  list: 'inList',
  notList: 'notInList',
  inList: 'inList',
  notInList: 'notInList',
};

/** X2CRM's calendar conditions compare a part of "now" with a value. */
const calendar: Readonly<Record<string, string>> = {
  month: 'month',
  day_of_week: 'dayOfWeek',
  day_of_month: 'dayOfMonth',
  time_of_day: 'timeOfDay',
};

/** X2CRM keeps numbers as text; json-logic compares numbers numerically only if they are numbers. */
function literal(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const variable = /^\{([A-Za-z_][\w.]*)\}$/.exec(value.trim());
  if (variable) return { var: variablePath(variable[1] as string) };
  return value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
}

function variablePath(name: string): string {
  return name.startsWith('user.') ? name : `record.${name}`;
}

/**
 * Fields that hold a user in X2CRM (by username, or a group by its id) and a Weft id here:
 * the value becomes a reference that the import resolves (Parity).
 */
const userFields = new Set(['assignedTo', 'createdBy', 'updatedBy', 'completedBy', 'owner']);

function userValue(value: unknown): unknown {
  if (typeof value !== 'string' || value.trim() === '' || /^\{.*\}$/.test(value.trim())) return value;
  const text = value.trim();
  if (text === 'Anyone') return value;
  return /^\d+$/.test(text) ? x2ref('group', text) : x2ref('user', text);
}

function attribute(condition: X2Condition): unknown {
  const field = String(condition.name ?? '');
  const operator = String(condition.operator ?? '=');
  const subject = { var: `record.${field}` };
  if (userFields.has(field)) {
    const values = String(condition.value ?? '').split(',');
    if (operator === 'list' || operator === 'notList') {
      return { [operator === 'list' ? 'inList' : 'notInList']: [subject, values.map(userValue)] };
    }
    condition = { ...condition, value: userValue(condition.value) };
  }
  const value = literal(condition.value);
  if (operator === 'changed') return { changed: [field] };
  if (operator === 'empty') return { empty: [subject] };
  if (operator === 'notEmpty') return { notEmpty: [subject] };
  if (operator === 'between' && typeof condition.value === 'string') {
    const [low = '', high = ''] = condition.value.split(',').map((part) => literal(part.trim()));
    return { between: [subject, low, high] };
  }
  const comparison = comparisons[operator];
  if (comparison) return { [comparison]: [subject, value] };
  const name = named[operator];
  if (name) return { [name]: [subject, condition.value] };
  return undefined;
}

/** Why a condition X2CRM has could not be carried over, when Weft has something close. */
const unmappedReasons: Readonly<Record<string, string>> = {
  workflow_status: 'the stage state is not one of started, completed, notStarted, notCompleted',
  user_active:
    'X2CRM names the user by username; choose the user in a "User is online" condition (userOnline)',
  on_list: 'the list is one of X2CRM\'s; choose a Weft list in a "Record is on list" condition (onList)',
};

function one(condition: X2Condition, path: string, unmapped: Unmapped[]): unknown {
  const type = String(condition.type ?? '');
  let rule: unknown;
  if (type === 'attribute') rule = attribute(condition);
  else if (type === 'has_tags') {
    const tags = String(condition.value ?? '')
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag !== '');
    rule = { hasTags: [{ var: 'record.tags' }, tags] };
  } else if (Object.hasOwn(calendar, type)) {
    const op = comparisons[String(condition.operator ?? '=')];
    if (op) rule = { [op]: [{ [calendar[type] as string]: [] }, literal(condition.value)] };
  } else if (type === 'workflow_status') {
    // Processes: X2CRM's process and stage numbers become placeholders bound after import.
    const state = String(condition.stageState ?? '');
    if (['started', 'completed', 'notStarted', 'notCompleted'].includes(state)) {
      rule = {
        processStatus: [
          processPlaceholder(condition.workflowId),
          stagePlaceholder(condition.workflowId, condition.stageNumber),
          state,
        ],
      };
      noteBinding(unmapped, path, condition.workflowId, condition.stageNumber);
    }
  } else if (type === 'user_active') {
    // "The user is logged in": a field holding the user (Weft's assignment fields hold user ids),
    // or a username, resolved at import.
    const user = literal(condition.value);
    if (typeof user === 'object' && user !== null) rule = { userOnline: [user] };
    else if (typeof condition.value === 'string' && condition.value.trim() !== '')
      rule = { userOnline: [x2ref('user', condition.value.trim())] };
  } else if (type === 'on_list' && String(condition.value ?? '').trim() !== '') {
    // X2CRM's list id: a reference the admin binds to a Weft list before publishing.
    rule = { onList: [x2ref('list', String(condition.value).trim())] };
  }
  if (rule === undefined) {
    unmapped.push({
      path,
      what: `condition ${type}${condition.operator ? ` ${String(condition.operator)}` : ''}`,
      reason: `${(Object.hasOwn(unmappedReasons, type) && unmappedReasons[type]) || 'no Weft equivalent for this condition'}; it is replaced by false`,
    });
    return false;
  }
  return rule;
}

/** X2CRM can only AND its conditions; an empty list always holds. */
export function convertConditions(conditions: unknown, path: string, unmapped: Unmapped[]): unknown {
  if (!Array.isArray(conditions) || conditions.length === 0) return true;
  const rules = conditions.map((c, i) => one((c ?? {}) as X2Condition, `${path}/${i}`, unmapped));
  return rules.length === 1 ? rules[0] : { and: rules };
}

/** `Hello {firstName}, see {account.name}` → `Hello {{record.firstName}}, see {{record.account.name}}`. */
export function convertText(text: string, _path: string, _unmapped: Unmapped[]): string {
  return text.replace(/\{([A-Za-z_][\w.]*)\}/g, (_match, name: string) => {
    // The record's page, and today's date or time in the workspace's formats (settings).
    if (name === 'link') return '{{ record | record_url }}';
    if (name === 'date' || name === 'time') return `{{ now | date: "${name}" }}`;
    return `{{${variablePath(name)}}}`;
  });
}

/**
 * X2CRM's `=` formulas run through PHP eval. Only plain arithmetic on numbers is carried
 * over, computed here; anything else is reported.
 */
export function evaluateFormula(formula: string): number | undefined {
  const expression = formula.replace(/^=/, '');
  if (!/^[\d\s+\-*/().]+$/.test(expression)) return undefined;
  const tokens = expression.match(/\d+(?:\.\d+)?|[+\-*/()]/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const factor = (): number => {
    const token = tokens[position++];
    if (token === '(') {
      const value = sum();
      position += 1;
      return value;
    }
    if (token === '-') return -factor();
    return Number(token);
  };
  const product = (): number => {
    let value = factor();
    while (peek() === '*' || peek() === '/')
      value = tokens[position++] === '*' ? value * factor() : value / factor();
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (peek() === '+' || peek() === '-')
      value = tokens[position++] === '+' ? value + product() : value - product();
    return value;
  };
  const result = sum();
  return position === tokens.length && Number.isFinite(result) ? result : undefined;
}
