/**
 * A node type's params schema made ready for its form: json-logic rules (anywhere in the
 * params, switch cases included) get the condition field, references to users, groups,
 * lists, records and fields (`x-weft-ref`) a picker, texts the `{{` completion (long ones a
 * textarea), an enum its named choices (`x-weft-choices`), a module param the list of modules;
 * server problems become the form's inline errors.
 */
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';

const shapeKeys = ['type', 'enum', 'const', 'oneOf', 'anyOf', 'allOf', 'properties', 'items', '$ref'];

/** A json-logic rule: a schema that says nothing of its shape (any JSON), or object-or-boolean. */
export function isRule(schema: unknown): boolean {
  if (!schema || typeof schema !== 'object') return false;
  const type = (schema as { type?: unknown }).type;
  if (Array.isArray(type)) return type.includes('boolean') && type.includes('object');
  return !shapeKeys.some((key) => key in schema);
}

/** Params whose text is long: a multi-line template input. */
const longTexts = new Set(['text', 'body', 'html', 'description']);

const isText = (schema: RJSFSchema) =>
  schema.type === 'string' && !schema.enum && !('const' in schema) && !schema.format;

function uiFor(schema: RJSFSchema, key: string): UiSchema | undefined {
  const ref = (schema as { 'x-weft-ref'?: string })['x-weft-ref'];
  if (ref === 'fieldValues') return { 'ui:field': 'fieldValues' };
  if (ref === 'roles') return { 'ui:field': 'roles' };
  if (ref) return { 'ui:widget': 'reference' };
  if (isRule(schema)) return { 'ui:field': 'condition' };
  const choices = (schema as { 'x-weft-choices'?: string[] })['x-weft-choices'];
  if (choices && schema.enum) return { 'ui:enumNames': choices };
  if (isText(schema))
    return longTexts.has(key)
      ? { 'ui:widget': 'template', 'ui:options': { multiline: true } }
      : { 'ui:widget': 'template' };
  if (schema.properties) {
    const ui: UiSchema = {};
    for (const [name, property] of Object.entries(schema.properties)) {
      const child = typeof property === 'object' ? uiFor(property as RJSFSchema, name) : undefined;
      if (child) ui[name] = child;
    }
    return Object.keys(ui).length > 0 ? ui : undefined;
  }
  if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) {
    const items = uiFor(schema.items as RJSFSchema, key);
    return items ? { items } : undefined;
  }
  return undefined;
}

/** rjsf draws nothing for an empty schema (`{}`) inside arrays: rules get a title so they show. */
function titled(schema: RJSFSchema, key: string): RJSFSchema {
  if (isRule(schema)) return { title: key, ...schema };
  if (schema.properties)
    return {
      ...schema,
      properties: Object.fromEntries(
        Object.entries(schema.properties).map(([name, p]) => [
          name,
          typeof p === 'object' ? titled(p, name) : p,
        ]),
      ),
    };
  if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items))
    return { ...schema, items: titled(schema.items as RJSFSchema, key) };
  return schema;
}

/** An anyOf / oneOf whose branches only say which params are required: a rule, not a choice to draw. */
const requiredOnly = (branches: unknown) =>
  Array.isArray(branches) &&
  branches.every(
    (branch) => branch && typeof branch === 'object' && Object.keys(branch).every((k) => k === 'required'),
  );

export function formOf(
  params: RJSFSchema,
  modules: readonly string[],
): { schema: RJSFSchema; uiSchema: UiSchema } {
  const properties = { ...((titled(params, '').properties ?? {}) as Record<string, RJSFSchema>) };
  const module = properties.module;
  if (module?.type === 'string' && modules.length > 0) properties.module = { ...module, enum: [...modules] };
  // rjsf would draw such a rule as "Option 1 / Option 2"; the server's problem says it in words.
  const { anyOf, oneOf, ...rest } = params;
  const drawn: RJSFSchema = {
    ...rest,
    ...(anyOf && !requiredOnly(anyOf) ? { anyOf } : {}),
    ...(oneOf && !requiredOnly(oneOf) ? { oneOf } : {}),
  };
  const schema = params.properties ? { ...drawn, properties } : drawn;
  return { schema, uiSchema: { ...uiFor(schema, ''), 'ui:submitButtonOptions': { norender: true } } };
}

/** Server problems with a JSON pointer into the params, as the form's inline errors. */
export function extraErrorsOf(problems: readonly { message: string; path?: string }[]): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const problem of problems) {
    const segments = (problem.path ?? '').split('/').filter(Boolean);
    let at = root;
    for (const segment of segments) {
      at[segment] ??= {};
      at = at[segment] as Record<string, unknown>;
    }
    at.__errors = [...((at.__errors as string[] | undefined) ?? []), problem.message];
  }
  return root as ErrorSchema;
}
