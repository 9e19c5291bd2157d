import type { FromSchema } from 'json-schema-to-ts';

/** Module and field definitions (Studio): what the records API, forms and flows are shaped by. */

export const fieldTypes = [
  'text',
  'longText',
  'number',
  'currency',
  'percentage',
  'date',
  'dateTime',
  'boolean',
  'email',
  'phone',
  'url',
  'dropdown',
  'link',
  'assignment',
  'rating',
  'tags',
  'visibility',
] as const;

export type FieldType = (typeof fieldTypes)[number];

export const moduleName = {
  type: 'string',
  pattern: '^[a-z][a-z0-9_]{1,39}$',
  description:
    'Lowercase identifier, 2–40 characters; also names the records table (rec_<name>). Cannot change.',
} as const;

export const fieldName = {
  type: 'string',
  pattern: '^[a-z][a-zA-Z0-9]{0,30}$',
  description:
    'camelCase like X2CRM (firstName), at most 31 characters: its snake_case column stays within the 63 PostgreSQL keeps. Cannot change.',
} as const;

const label = { type: 'string', minLength: 1, maxLength: 100 } as const;

/**
 * Type options, by type: `maxLength` (text), `choices` (dropdown values kept inline) or
 * `dropdownId` (a managed dropdown) and `multiple` (dropdown), `module` (link target) or
 * `moduleField` (a polymorphic link whose target module is held by that field),
 * `currency` (ISO code), `max` (rating), `decimals` (number).
 */
export const fieldOptions = {
  type: 'object',
  properties: {
    maxLength: { type: 'integer', minimum: 1, maximum: 100_000 },
    choices: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, uniqueItems: true },
    dropdownId: { type: ['string', 'integer'] },
    multiple: { type: 'boolean' },
    module: moduleName,
    moduleField: fieldName,
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    max: { type: 'integer', minimum: 1, maximum: 10 },
    decimals: { type: 'integer', minimum: 0, maximum: 10 },
    /** A btree on (column, id) so that lists sorted by the field walk it (not for multiple values). */
    sortable: { type: 'boolean' },
  },
  additionalProperties: true,
} as const;

export const fieldBody = {
  type: 'object',
  properties: {
    name: fieldName,
    label,
    type: { type: 'string', enum: fieldTypes },
    required: { type: 'boolean' },
    unique: { type: 'boolean' },
    searchable: { type: 'boolean' },
    readOnly: { type: 'boolean' },
    defaultValue: {},
    options: fieldOptions,
    position: { type: 'integer', minimum: 0 },
  },
  required: ['name', 'label', 'type'],
  additionalProperties: false,
} as const;

/** Name and type are fixed once created (the column and every stored value depend on them). */
export const fieldPatchBody = {
  type: 'object',
  properties: {
    label,
    required: { type: 'boolean' },
    unique: { type: 'boolean' },
    searchable: { type: 'boolean' },
    readOnly: { type: 'boolean' },
    defaultValue: {},
    options: fieldOptions,
    position: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

export const moduleBody = {
  type: 'object',
  properties: {
    name: moduleName,
    label,
    itemName: label,
    searchable: { type: 'boolean' },
    editable: { type: 'boolean' },
    visible: { type: 'boolean' },
    fields: { type: 'array', items: fieldBody, maxItems: 500 },
  },
  required: ['name', 'label'],
  additionalProperties: false,
} as const;

export const modulePatchBody = {
  type: 'object',
  properties: {
    label,
    itemName: label,
    searchable: { type: 'boolean' },
    editable: { type: 'boolean' },
    visible: { type: 'boolean' },
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

export const moduleParams = {
  type: 'object',
  properties: { name: moduleName },
  required: ['name'],
  additionalProperties: false,
} as const;

export const fieldParams = {
  type: 'object',
  properties: { name: moduleName, field: fieldName },
  required: ['name', 'field'],
  additionalProperties: false,
} as const;

export const moduleDeleteQuery = {
  type: 'object',
  properties: {
    confirm: {
      type: 'integer',
      minimum: 0,
      description: 'The number of records the module holds, when it holds any',
    },
  },
  additionalProperties: false,
} as const;

export const fieldDeleteQuery = {
  type: 'object',
  properties: { confirm: { type: 'boolean', default: false } },
  additionalProperties: false,
} as const;

export type FieldBody = FromSchema<typeof fieldBody>;
/**
 * A module's fields as one JSON document (Studio's JSON view): applied as one transaction,
 * or previewed (`dryRun`). Removing a field that holds data needs `confirm`.
 */
export const moduleDefinitionBody = {
  $id: 'https://weft.dev/schemas/module-definition.json',
  type: 'object',
  properties: {
    fields: { type: 'array', items: fieldBody, maxItems: 500 },
    confirm: { type: 'boolean', description: 'Drop the data of removed fields' },
    dryRun: { type: 'boolean', description: 'Only say what would change' },
  },
  required: ['fields'],
  additionalProperties: false,
} as const;

export type ModuleDefinitionBody = FromSchema<typeof moduleDefinitionBody>;
export type FieldPatch = FromSchema<typeof fieldPatchBody>;
export type ModuleBody = FromSchema<typeof moduleBody>;
export type ModulePatch = FromSchema<typeof modulePatchBody>;

/** A role's field-level permissions: each listed field hidden or read-only; the rest editable. */
export const fieldRulesBody = {
  type: 'object',
  properties: {
    rules: {
      type: 'array',
      maxItems: 5000,
      items: {
        type: 'object',
        properties: {
          module: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
          field: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$' },
          access: { type: 'string', enum: ['hidden', 'readOnly'] },
        },
        required: ['module', 'field', 'access'],
        additionalProperties: false,
      },
    },
  },
  required: ['rules'],
  additionalProperties: false,
} as const;
