/** One ajv instance for the core's static checks, with compiled validators cached per schema. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JSONSchema } from 'json-schema-to-ts';

// ajv-formats is CommonJS; under nodenext its default import is the module object's type.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

const cache = new WeakMap<Exclude<JSONSchema, boolean>, ValidateFunction>();

export interface SchemaError {
  /** JSON pointer into the validated value. */
  path: string;
  message: string;
}

function describe(error: ErrorObject): SchemaError {
  const extra =
    error.keyword === 'additionalProperties'
      ? ` ("${(error.params as { additionalProperty: string }).additionalProperty}")`
      : error.keyword === 'enum'
        ? `: ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`
        : '';
  return { path: error.instancePath, message: `${error.message ?? 'is invalid'}${extra}` };
}

export function schemaErrors(schema: JSONSchema, value: unknown): SchemaError[] {
  if (typeof schema === 'boolean') return schema ? [] : [{ path: '', message: 'no value is allowed here' }];
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    cache.set(schema, validate);
  }
  return validate(value) ? [] : (validate.errors ?? []).map(describe);
}
