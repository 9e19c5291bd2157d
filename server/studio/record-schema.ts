import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { WeftError } from '../platform/errors.ts';
import { fieldProblems } from '../plugins/errors.ts';
import { columnName, isMultiple } from './fields.ts';
import type { FieldDefinition, ModuleDefinition } from './modules.ts';

/**
 * Record bodies are checked against a JSON Schema generated from the module's current
 * definition: the definition is data, so its schema is too. Compiled validators are
 * cached per module version (every field change bumps it).
 */

const ajv = new Ajv({ allErrors: true, coerceTypes: false, useDefaults: false, strict: false });
addFormats.default(ajv);

type Schema = Record<string, unknown>;

function nullable(schema: Schema, required: boolean): Schema {
  if (required) return schema;
  if (Array.isArray(schema.enum))
    return { ...schema, type: [schema.type, 'null'], enum: [...schema.enum, null] };
  return { ...schema, type: [schema.type, 'null'] };
}

function baseSchema(field: Pick<FieldDefinition, 'type' | 'options'>): Schema {
  const { options } = field;
  const maxLength = typeof options.maxLength === 'number' ? options.maxLength : undefined;
  switch (field.type) {
    case 'text':
      return { type: 'string', maxLength: maxLength ?? 255 };
    case 'longText':
      return { type: 'string', maxLength: maxLength ?? 100_000 };
    case 'email':
      return { type: 'string', format: 'email', maxLength: 254 };
    case 'phone':
      return { type: 'string', maxLength: 40 };
    case 'url':
      return { type: 'string', maxLength: 2048, pattern: '^\\S+$' };
    case 'number':
      return options.decimals === 0 ? { type: 'integer' } : { type: 'number' };
    case 'currency':
    case 'percentage':
      return { type: 'number' };
    case 'rating':
      return { type: 'integer', minimum: 0, maximum: typeof options.max === 'number' ? options.max : 5 };
    case 'date':
      return { type: 'string', format: 'date' };
    case 'dateTime':
      return { type: 'string', format: 'date-time' };
    case 'boolean':
      return { type: 'boolean' };
    case 'link':
    case 'assignment':
      return { type: 'string', format: 'uuid' };
    case 'visibility':
      return { type: 'string', enum: ['public', 'private'] };
    case 'tags':
      return { type: 'string', minLength: 1, maxLength: 100 };
    case 'dropdown':
      return Array.isArray(options.choices)
        ? { type: 'string', enum: options.choices }
        : { type: 'string', minLength: 1, maxLength: 200 };
  }
}

/** The JSON Schema of one field's value, as the API accepts and answers it. */
export function valueSchema(field: Pick<FieldDefinition, 'type' | 'options' | 'required'>): Schema {
  const base = baseSchema(field);
  if (isMultiple(field)) return nullable({ type: 'array', items: base, uniqueItems: true }, field.required);
  return nullable(base, field.required);
}

/** A value may be given in a write unless the field is read-only (its value is Weft's or the default's). */
const writable = (field: FieldDefinition) => !field.readOnly;

export function recordBodySchema(module: ModuleDefinition, mode: 'create' | 'update'): Schema {
  const fields = module.fields.filter(writable);
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((field) => [field.name, valueSchema(field)])),
    required:
      mode === 'create'
        ? fields.filter((field) => field.required && field.defaultValue === null).map((field) => field.name)
        : [],
    additionalProperties: false,
    ...(mode === 'update' && { minProperties: 1 }),
  };
}

/** Definitions are shared and never change (studio/modules.ts), so their validators are kept with them. */
const cache = new WeakMap<ModuleDefinition, { create: ValidateFunction; update: ValidateFunction }>();

function validatorsOf(module: ModuleDefinition) {
  let compiled = cache.get(module);
  if (!compiled) {
    compiled = {
      create: ajv.compile(recordBodySchema(module, 'create')),
      update: ajv.compile(recordBodySchema(module, 'update')),
    };
    cache.set(module, compiled);
  }
  return compiled;
}

/** Throws a 400 naming each bad field (missing, wrong type, unknown, read-only). */
export function validateRecordInput(
  module: ModuleDefinition,
  mode: 'create' | 'update',
  input: unknown,
): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new WeftError('VALIDATION', 'body must be an object', [
      { field: 'body', reason: 'must be an object' },
    ]);
  }
  const validate = validatorsOf(module)[mode];
  if (!validate(input)) {
    const details = fieldProblems(validate.errors ?? [], 'body').map((problem) => {
      const field = module.fields.find((candidate) => candidate.name === problem.field);
      return field?.readOnly && problem.reason === 'is not an allowed property'
        ? { ...problem, reason: 'is read-only' }
        : problem;
    });
    throw new WeftError('VALIDATION', details.map((p) => `${p.field} ${p.reason}`).join('; '), details);
  }
  return input as Record<string, unknown>;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** pg reads a `date` as local midnight; its local calendar day is the stored day. */
const localDay = (date: Date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;

function fromColumn(field: FieldDefinition, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'number':
    case 'currency':
    case 'percentage':
      return Number(value);
    case 'date':
      return value instanceof Date ? localDay(value) : value;
    case 'dateTime':
      return value instanceof Date ? value.toISOString() : value;
    default:
      return value;
  }
}

/** A row of `rec_<module>` (snake_case columns) as the API answers it (camelCase fields). */
export function toRecord(module: ModuleDefinition, row: Record<string, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = { id: row.id };
  for (const field of module.fields) {
    const column = columnName(field.name);
    if (column in row) record[field.name] = fromColumn(field, row[column]);
  }
  return record;
}

/** Field values → column values for an insert or update. */
export function toColumns(
  module: ModuleDefinition,
  values: Record<string, unknown>,
): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const field of module.fields) {
    if (field.name in values) columns[columnName(field.name)] = values[field.name];
  }
  return columns;
}

/** Why a value does not fit a field (for default values), or null when it does. */
export function valueProblem(
  field: Pick<FieldDefinition, 'type' | 'options'>,
  value: unknown,
): string | null {
  const validate = ajv.compile(valueSchema({ ...field, required: true }));
  if (validate(value)) return null;
  return validate.errors?.[0]?.message ?? 'does not fit the field type';
}
