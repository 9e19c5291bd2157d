/**
 * The TypeScript declarations a code step's editor checks against: the run's data as the
 * sandbox gives it (engine/sandbox), typed from the trigger module's fields, the records its
 * link fields lead to (`linked`, typed from the linked modules' fields), the user's profile,
 * and the declared output as `Output`. Plain text, so it is tested without Monaco.
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

/** The modules a module's link fields lead to (by a fixed module; a polymorphic link has none). */
export function linkedModuleNames(fields: readonly ModuleField[]): string[] {
  const names = fields.flatMap((field) =>
    field.type === 'link' && typeof field.options?.module === 'string' ? [field.options.module] : [],
  );
  return [...new Set(names)];
}

const linkedName = (module: string) => `WeftLinked_${module.replace(/[^\w$]/g, '_')}`;

function recordMembers(fields: readonly ModuleField[]): string {
  return [
    'id: string;',
    'module: string;',
    ...fields.map((field) => `${key(field.name)}: ${fieldType(field)};`),
  ].join('\n  ');
}

/**
 * `linkedModules`: the fields of each module the record's link fields lead to (by module
 * name); a link to a module not given (or polymorphic) is typed loosely.
 */
export function codeTypings(
  fields: readonly ModuleField[],
  outputSchema: unknown,
  linkedModules: Readonly<Record<string, readonly ModuleField[]>> = {},
): string {
  const record = recordMembers(fields);
  const linkFields = fields.filter((field) => field.type === 'link' || field.type === 'assignment');
  const targets = linkedModuleNames(fields).filter((module) => linkedModules[module]);
  const linkedInterfaces = targets
    .map(
      (module) =>
        `/** A record of ${module}, as a link leads to it (fields hidden from the flow's owner are absent). */\ninterface ${linkedName(module)} {\n  ${recordMembers(linkedModules[module] ?? [])}\n}\n`,
    )
    .join('');
  const linkedMembers = linkFields.map((field) => {
    if (field.type === 'assignment') return `${key(field.name)}?: WeftUser | null;`;
    const target = field.options?.module;
    return typeof target === 'string' && linkedModules[target]
      ? `${key(field.name)}?: ${linkedName(target)} | null;`
      : `${key(field.name)}?: Record<string, unknown> | null;`;
  });
  return `/** The current record (the trigger module's fields). */
interface WeftRecord {
  ${record}
}
${linkedInterfaces}/** The records the current record's link fields lead to (read-only; null: the link leads nowhere). */
interface WeftLinked {
  ${linkedMembers.join('\n  ')}
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
/** The current record's linked records, by link field: \`linked.company?.name\`. Read-only. */
declare const linked: Readonly<WeftLinked>;
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
