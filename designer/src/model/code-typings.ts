/**
 * The TypeScript declarations a code step's editor checks against: the run's data as the
 * sandbox gives it (engine/sandbox), typed from the trigger module's fields, the user's
 * profile, and the declared output as `Output`. Plain text, so it is tested without Monaco.
 */

export interface ModuleField {
  name: string;
  type: string;
  options?: { multiple?: boolean } & Record<string, unknown>;
}

const identifier = /^[A-Za-z_$][\w$]*$/;
const key = (name: string) => (identifier.test(name) ? name : JSON.stringify(name));

function fieldType(field: ModuleField): string {
  switch (field.type) {
    case 'number':
    case 'currency':
    case 'percentage':
    case 'rating':
      return 'number | null';
    case 'boolean':
      return 'boolean | null';
    case 'tags':
      return 'string[]';
    case 'dropdown':
      return field.options?.multiple ? 'string[] | null' : 'string | null';
    default:
      return 'string | null';
  }
}

/** A JSON Schema as a TypeScript type (the common keywords; anything else is `unknown`). */
export function typeOfSchema(schema: unknown, depth = 0): string {
  if (depth > 8 || schema === null || typeof schema !== 'object') return 'unknown';
  const s = schema as {
    type?: string | string[];
    properties?: Record<string, unknown>;
    required?: string[];
    items?: unknown;
    enum?: unknown[];
    additionalProperties?: unknown;
  };
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ') || 'never';
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return types.map((type) => typeOfSchema({ ...s, type }, depth + 1)).join(' | ');
  switch (types[0]) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return `Array<${typeOfSchema(s.items, depth + 1)}>`;
    case 'object':
    case undefined: {
      if (!s.properties) return types[0] === 'object' ? 'Record<string, unknown>' : 'unknown';
      const required = new Set(s.required ?? []);
      const members = Object.entries(s.properties).map(
        ([name, property]) =>
          `${key(name)}${required.has(name) ? '' : '?'}: ${typeOfSchema(property, depth + 1)};`,
      );
      if (s.additionalProperties !== false && s.additionalProperties !== undefined)
        members.push('[key: string]: unknown;');
      return `{ ${members.join(' ')} }`;
    }
    default:
      return 'unknown';
  }
}

export function codeTypings(fields: readonly ModuleField[], outputSchema: unknown): string {
  const record = [
    'id: string;',
    'module: string;',
    ...fields.map((field) => `${key(field.name)}: ${fieldType(field)};`),
  ].join('\n  ');
  return `/** The current record (the trigger module's fields). */
interface WeftRecord {
  ${record}
}
/** The acting user's profile. */
interface WeftUser {
  id: string; username: string; firstName: string; lastName: string; name: string;
  email: string | null; title: string | null; phone: string | null;
  groups: Array<{ id: string; name: string }>;
}
/** What this step declares it returns (its output schema). */
type Output = ${outputSchema ? typeOfSchema(outputSchema) : 'unknown'};
declare const record: WeftRecord;
/** The record as it was before the change that started the run (null if none). */
declare const previous: WeftRecord | null;
declare const trigger: Record<string, unknown>;
declare const user: WeftUser | null;
/** Run variables set by earlier steps. */
declare const vars: Record<string, unknown>;
/** Earlier steps' outputs and errors, by node id. */
declare const steps: Record<string, { output?: any; error?: any }>;
/** console.log lines go to the step's log. */
declare const console: {
  log(...values: unknown[]): void;
  info(...values: unknown[]): void;
  warn(...values: unknown[]): void;
  error(...values: unknown[]): void;
};
`;
}
