import type { FromSchema } from 'json-schema-to-ts';
import { exportedDropdown } from './dropdowns.ts';
import { exportedLayout } from './layout.ts';
import { moduleBody } from './modules.ts';

/**
 * A custom module as a file, as `GET /api/modules/:name/export` writes it and
 * `POST /api/modules/import` reads it: the definition, the dropdowns its fields use (with
 * their parents) and its layouts.
 */
export const moduleFile = {
  type: 'object',
  properties: {
    format: { const: 'weft.module' },
    version: { const: 1 },
    module: moduleBody,
    dropdowns: { type: 'array', items: exportedDropdown, maxItems: 500, default: [] },
    layouts: { type: 'array', items: exportedLayout, maxItems: 100, default: [] },
  },
  required: ['format', 'version', 'module'],
  additionalProperties: false,
} as const;

export type ModuleFile = FromSchema<typeof moduleFile>;
