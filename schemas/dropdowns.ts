import type { FromSchema } from 'json-schema-to-ts';
import { uuid } from './common.ts';

/** Dropdowns (X2CRM's dropdown editor): ordered options, multi-select, dependent dropdowns. */

const optionValue = { type: 'string', minLength: 1, maxLength: 200 } as const;

export const dropdownOption = {
  type: 'object',
  properties: { value: optionValue, label: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['value', 'label'],
  additionalProperties: false,
} as const;

const dropdownProperties = {
  name: { type: 'string', minLength: 1, maxLength: 100 },
  options: {
    type: 'array',
    items: dropdownOption,
    maxItems: 2000,
    description: 'In display order; values are unique.',
  },
  multi: { type: 'boolean', description: 'Whether fields using it may hold several values.' },
  parentId: {
    type: ['string', 'null'],
    format: 'uuid',
    description: 'The dropdown this one depends on, or null.',
  },
  dependencies: {
    type: 'object',
    description:
      'parent value → the values of this dropdown it allows; a parent value not listed allows none.',
    additionalProperties: { type: 'array', items: optionValue, uniqueItems: true },
  },
} as const;

export const dropdownBody = {
  type: 'object',
  properties: dropdownProperties,
  required: ['name', 'options'],
  additionalProperties: false,
} as const;

export const dropdownPatchBody = {
  type: 'object',
  properties: dropdownProperties,
  additionalProperties: false,
  minProperties: 1,
} as const;

export const dropdownOrderBody = {
  type: 'object',
  properties: {
    values: {
      type: 'array',
      items: optionValue,
      uniqueItems: true,
      description: 'Every value of the dropdown, in the new order.',
    },
  },
  required: ['values'],
  additionalProperties: false,
} as const;

export const dropdownResponse = {
  type: 'object',
  properties: {
    id: uuid,
    name: { type: 'string' },
    options: { type: 'array', items: dropdownOption },
    multi: { type: 'boolean' },
    parentId: { type: ['string', 'null'], format: 'uuid' },
    dependencies: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'name', 'options', 'multi', 'parentId', 'dependencies', 'createdAt', 'updatedAt'],
  additionalProperties: false,
} as const;

export type DropdownInput = FromSchema<typeof dropdownBody>;
export type DropdownPatch = FromSchema<typeof dropdownPatchBody>;
export type DropdownOption = FromSchema<typeof dropdownOption>;
export type Dropdown = FromSchema<
  typeof dropdownResponse,
  { deserialize: [{ pattern: { type: 'string'; format: 'date-time' }; output: Date }] }
>;

/** A dropdown in a module file: its id on the exporting installation ties fields and children to it. */
export const exportedDropdown = {
  type: 'object',
  properties: {
    id: uuid,
    name: dropdownProperties.name,
    options: dropdownProperties.options,
    multi: dropdownProperties.multi,
    parentId: dropdownProperties.parentId,
    dependencies: dropdownProperties.dependencies,
  },
  required: ['id', 'name', 'options', 'multi', 'parentId', 'dependencies'],
  additionalProperties: false,
} as const;

export type ExportedDropdown = FromSchema<typeof exportedDropdown>;
