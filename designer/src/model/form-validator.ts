/**
 * The params forms' JSON Schema validator, for @rjsf: @cfworker/json-schema interprets
 * schemas instead of compiling them to functions as ajv does, so the page's CSP needs no
 * `'unsafe-eval'`. Errors come out in rjsf's shape (`.a.b` properties, an error schema).
 */
import { type OutputUnit, type Schema, Validator } from '@cfworker/json-schema';
import {
  type CustomValidator,
  createErrorHandler,
  type ErrorTransformer,
  type RJSFSchema,
  type RJSFValidationError,
  toErrorSchema,
  type UiSchema,
  unwrapErrorHandler,
  type ValidationData,
  type ValidatorType,
  validationDataMerge,
  withIdRefPrefix,
} from '@rjsf/utils';

/** Units that only say "a child failed"; the child's own unit says why. */
const wrappers = new Set([
  'properties',
  'items',
  'prefixItems',
  'additionalProperties',
  'allOf',
  '$ref',
  'dependentSchemas',
]);
const rootId = '__rjsf_rootSchema';

const propertyOf = (pointer: string) =>
  pointer
    .replace(/^#/, '')
    .split('/')
    .filter(Boolean)
    .map((segment) => `.${segment.replace(/~1/g, '/').replace(/~0/g, '~')}`)
    .join('');

export function toRjsfErrors(units: readonly OutputUnit[]): RJSFValidationError[] {
  const errors: RJSFValidationError[] = [];
  for (const unit of units) {
    if (wrappers.has(unit.keyword)) continue;
    let property = propertyOf(unit.instanceLocation);
    let message = unit.error.replace(/^Instance /, '').replace(/\.$/, '');
    let name = unit.keyword;
    if (unit.keyword === 'required') {
      const missing = /"(.+)"/.exec(unit.error)?.[1] ?? '';
      property = `${property}.${missing}`;
      message = `must have required property '${missing}'`;
    } else if (unit.keyword === 'false') {
      name = 'additionalProperties';
      message = 'is not allowed here';
    }
    errors.push({
      name,
      property,
      message,
      stack: `${property || '.'} ${message}`.trim(),
      schemaPath: unit.keywordLocation,
    });
  }
  return errors;
}

function validatorFor(schema: RJSFSchema, rootSchema?: RJSFSchema): Validator {
  const validator = new Validator(schema as Schema, '7', false);
  if (rootSchema) validator.addSchema(rootSchema as Schema, rootId);
  return validator;
}

export class FormValidator implements ValidatorType {
  rawValidation<Result = unknown>(
    schema: RJSFSchema,
    formData?: unknown,
  ): { errors?: Result[]; validationError?: Error } {
    try {
      const result = validatorFor(schema).validate(formData);
      return { errors: result.valid ? undefined : (result.errors as Result[]) };
    } catch (error) {
      return { validationError: error as Error };
    }
  }

  validateFormData(
    formData: unknown,
    schema: RJSFSchema,
    customValidate?: CustomValidator,
    transformErrors?: ErrorTransformer,
    uiSchema?: UiSchema,
  ): ValidationData<unknown> {
    const raw = this.rawValidation<OutputUnit>(schema, formData);
    let errors = raw.validationError
      ? [
          {
            name: 'schema',
            property: '',
            message: raw.validationError.message,
            stack: raw.validationError.message,
          },
        ]
      : toRjsfErrors(raw.errors ?? []);
    if (transformErrors) errors = transformErrors(errors, uiSchema);
    const errorSchema = toErrorSchema(errors);
    if (!customValidate) return { errors, errorSchema };
    const handler = customValidate(formData, createErrorHandler(formData), uiSchema, errorSchema);
    return validationDataMerge({ errors, errorSchema }, unwrapErrorHandler(handler));
  }

  isValid(schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema): boolean {
    try {
      return validatorFor(withIdRefPrefix(schema), rootSchema).validate(formData).valid;
    } catch {
      return false;
    }
  }
}

export const formValidator = new FormValidator();
