import type { FromSchema } from 'json-schema-to-ts';
import { listQuery, uuid } from './common.ts';
import { fieldName, moduleName } from './modules.ts';

/**
 * Form layouts (X2CRM's form editor): sections, which may collapse, hold rows; a row holds
 * columns side by side; a column holds fields, top to bottom, by name. Empty rows and
 * columns are allowed: the editor shows them as drop targets.
 */

export const layoutSection = {
  type: 'object',
  properties: {
    title: { type: 'string', maxLength: 200, default: '' },
    collapsible: { type: 'boolean', default: false },
    collapsed: {
      type: 'boolean',
      default: false,
      description: 'Shown collapsed at first; needs collapsible.',
    },
    rows: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        properties: {
          columns: {
            type: 'array',
            minItems: 1,
            maxItems: 4,
            items: {
              type: 'object',
              properties: { fields: { type: 'array', items: fieldName, maxItems: 200 } },
              required: ['fields'],
              additionalProperties: false,
            },
          },
        },
        required: ['columns'],
        additionalProperties: false,
      },
    },
  },
  required: ['rows'],
  additionalProperties: false,
} as const;

export const layoutDefinition = {
  type: 'object',
  properties: { sections: { type: 'array', items: layoutSection, minItems: 1, maxItems: 50 } },
  required: ['sections'],
  additionalProperties: false,
} as const;

const layoutName = { type: 'string', minLength: 1, maxLength: 100 } as const;

export const layoutBody = {
  type: 'object',
  properties: { name: layoutName, ...layoutDefinition.properties },
  required: ['name', 'sections'],
  additionalProperties: false,
} as const;

export const layoutKind = { type: 'string', enum: ['view', 'form'] } as const;

export const layoutDefaultBody = {
  type: 'object',
  properties: { kind: layoutKind },
  required: ['kind'],
  additionalProperties: false,
} as const;

export const layoutDefaultQuery = {
  type: 'object',
  properties: { kind: layoutKind },
  required: ['kind'],
  additionalProperties: false,
} as const;

export const moduleParams = {
  type: 'object',
  properties: { module: moduleName },
  required: ['module'],
  additionalProperties: false,
} as const;

export const moduleLayoutParams = {
  type: 'object',
  properties: { ...moduleParams.properties, id: uuid },
  required: ['module', 'id'],
  additionalProperties: false,
} as const;

export const layoutListQuery = {
  type: 'object',
  properties: { limit: listQuery.properties.limit, cursor: listQuery.properties.cursor },
  additionalProperties: false,
} as const;

const problem = {
  type: 'object',
  properties: { field: { type: 'string' }, reason: { type: 'string' } },
  required: ['field', 'reason'],
  additionalProperties: false,
} as const;

export const layoutResponse = {
  type: 'object',
  properties: {
    id: { type: ['string', 'null'], format: 'uuid', description: 'null for a generated layout' },
    module: { type: 'string' },
    name: { type: 'string' },
    ...layoutDefinition.properties,
    defaultView: { type: 'boolean' },
    defaultForm: { type: 'boolean' },
    generated: { type: 'boolean', description: 'Made up from the fields because the module has no default.' },
    warnings: {
      type: 'array',
      items: problem,
      description: 'What is wrong but allowed, e.g. a required field a non-default form leaves out.',
    },
    createdAt: { type: ['string', 'null'], format: 'date-time' },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: [
    'id',
    'module',
    'name',
    'sections',
    'defaultView',
    'defaultForm',
    'generated',
    'warnings',
    'createdAt',
    'updatedAt',
  ],
  additionalProperties: false,
} as const;

export type LayoutDefinition = FromSchema<typeof layoutDefinition>;
export type LayoutSection = FromSchema<typeof layoutSection>;
export type LayoutInput = FromSchema<typeof layoutBody>;
export type LayoutKind = FromSchema<typeof layoutKind>;
export type LayoutView = FromSchema<
  typeof layoutResponse,
  { deserialize: [{ pattern: { type: 'string'; format: 'date-time' }; output: Date }] }
>;

/** A layout in a module file. */
export const exportedLayout = {
  type: 'object',
  properties: {
    name: layoutName,
    definition: layoutDefinition,
    defaultView: { type: 'boolean', default: false },
    defaultForm: { type: 'boolean', default: false },
  },
  required: ['name', 'definition'],
  additionalProperties: false,
} as const;

export type ExportedLayout = FromSchema<typeof exportedLayout>;
