/**
 * A value a flow writes to a typed field, converted to the field's type: a template renders
 * text ("{{record.employees | plus: 1}}" in a longer text, a date from a filter), and a
 * number field should get a number. A value that cannot be converted fails the step, naming
 * the field and the value, rather than being stored wrong or refused with a vague error.
 */
import { toInstant } from './template-dates.ts';

export interface TypedField {
  name: string;
  type: string;
  options?: { decimals?: number; multiple?: boolean } & Record<string, unknown>;
}

export class FieldValueError extends Error {
  override name = 'FieldValueError';
  readonly field: string;
  readonly reason: string;
  constructor(field: string, reason: string) {
    super(`${field}: ${reason}`);
    this.field = field;
    this.reason = reason;
  }
}

const show = (value: unknown) => JSON.stringify(value)?.slice(0, 80) ?? String(value);

function toNumber(field: TypedField, value: unknown, integer: boolean): number | null {
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string') {
    const text = value
      .trim()
      .replace(/^([-+]?)[$€£¥]/, '$1')
      .replaceAll(',', '');
    if (text === '') return null;
    number = Number(text.endsWith('%') ? text.slice(0, -1) : text);
  } else throw new FieldValueError(field.name, `${show(value)} is not a number`);
  if (!Number.isFinite(number)) throw new FieldValueError(field.name, `${show(value)} is not a number`);
  if (integer && !Number.isInteger(number))
    throw new FieldValueError(field.name, `${show(value)} is not a whole number`);
  return number;
}

function toBoolean(field: TypedField, value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === '') return null;
    if (['true', '1', 'yes', 'y', 'on'].includes(text)) return true;
    if (['false', '0', 'no', 'n', 'off'].includes(text)) return false;
  }
  throw new FieldValueError(field.name, `${show(value)} is not yes or no`);
}

function toDate(field: TypedField, value: unknown, withTime: boolean): string | null {
  if (value === '') return null;
  const date = toInstant(value);
  if (!date) throw new FieldValueError(field.name, `${show(value)} is not a date`);
  return withTime ? date.toISOString() : date.toISOString().slice(0, 10);
}

/** One value for one field; null and undefined pass as they are. */
export function toFieldType(field: TypedField, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (field.type) {
    case 'number':
      return toNumber(field, value, field.options?.decimals === 0);
    case 'currency':
    case 'percentage':
      return toNumber(field, value, false);
    case 'rating':
      return toNumber(field, value, true);
    case 'boolean':
      return toBoolean(field, value);
    case 'date':
      return toDate(field, value, false);
    case 'dateTime':
      return toDate(field, value, true);
    case 'text':
    case 'longText':
    case 'email':
    case 'phone':
    case 'url':
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      if (typeof value === 'object') throw new FieldValueError(field.name, `${show(value)} is not text`);
      return value;
    case 'tags':
      return typeof value === 'string'
        ? value
            .split(',')
            .map((tag) => tag.trim())
            .filter((tag) => tag !== '')
        : value;
    default:
      return value;
  }
}

/** Every value of a write converted to its field's type; fields the module lacks are left to the records service. */
export function toFieldTypes(
  fields: readonly TypedField[],
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const byName = new Map(fields.map((field) => [field.name, field]));
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => {
      const field = byName.get(name);
      return [name, field ? toFieldType(field, value) : value];
    }),
  );
}
