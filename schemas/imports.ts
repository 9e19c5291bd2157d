import type { FromSchema } from 'json-schema-to-ts';
import { listOf, uuid } from './common.ts';
import { moduleName } from './modules.ts';

/**
 * Shapes of the import and export API. A file travels as the raw request body
 * (`content-type: text/csv`, or the XLSX type); what to do with it, in the query string.
 */

export const importModes = ['create', 'update', 'skip'] as const;

export const previewQuery = {
  type: 'object',
  properties: {
    module: { ...moduleName, description: 'the module to import into, or `users`' },
    rows: { type: 'integer', minimum: 0, maximum: 100, default: 10 },
  },
  required: ['module'],
  additionalProperties: false,
} as const;

export const importQuery = {
  type: 'object',
  properties: {
    module: { ...moduleName, description: 'the module to import into, or `users`' },
    mode: {
      type: 'string',
      enum: importModes,
      default: 'create',
      description:
        '`create`: every row is a new record; `update`: rows whose key field matches a record update it, the rest are created; `skip`: rows whose key matches are skipped, the rest are created',
    },
    keyField: { type: 'string', maxLength: 64, description: 'the field rows are matched on (update, skip)' },
    mapping: {
      type: 'string',
      maxLength: 20_000,
      description:
        'JSON object: column header → field name, or null to ignore the column. Default: the suggested mapping of the preview',
    },
    route: { type: 'boolean', default: false, description: 'run lead routing on created records' },
    runFlows: {
      type: 'boolean',
      description: "run the module's active record-created / record-updated flows for the imported records",
    },
    links: {
      type: 'string',
      maxLength: 200_000,
      description:
        'JSON object: link field → { missing: fail | empty | create, ambiguous: fail | empty, picks: { name: record id } } — what to do with a name that matches no record, or several',
    },
    tags: {
      type: 'string',
      maxLength: 2000,
      description: 'comma-separated tags added to every imported record',
    },
    fileName: { type: 'string', minLength: 1, maxLength: 255 },
  },
  required: ['module'],
  additionalProperties: false,
} as const;

export interface LinkChoice {
  missing: 'fail' | 'empty' | 'create';
  ambiguous: 'fail' | 'empty';
  /** Lower-cased name → the id of the record it means, among the several it matches. */
  picks: Record<string, string>;
}
export type LinkChoices = Record<string, LinkChoice>;

export const importRetryBody = {
  type: 'object',
  properties: {
    mode: importQuery.properties.mode,
    keyField: importQuery.properties.keyField,
    mapping: importQuery.properties.mapping,
    route: { type: 'boolean' },
    runFlows: importQuery.properties.runFlows,
    links: importQuery.properties.links,
  },
  additionalProperties: false,
} as const;

export const rollbackQuery = {
  type: 'object',
  properties: {
    removePosts: {
      type: 'boolean',
      default: false,
      description:
        'also delete the activity-feed posts written on the records the import created (by flows, or people)',
    },
  },
  additionalProperties: false,
} as const;

export const importParams = {
  type: 'object',
  properties: { id: uuid },
  required: ['id'],
  additionalProperties: false,
} as const;

export const importListQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 2000 },
    module: moduleName,
  },
  additionalProperties: false,
} as const;

export const importErrorsQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: { type: 'string', maxLength: 2000 },
  },
  additionalProperties: false,
} as const;

const counts = {
  total: { type: ['integer', 'null'], description: 'data rows in the file, once read' },
  processed: { type: 'integer' },
  created: { type: 'integer' },
  updated: { type: 'integer' },
  unchanged: { type: 'integer', description: 'matched rows whose values were already the same' },
  skipped: { type: 'integer' },
  failed: { type: 'integer' },
} as const;

export const importResponse = {
  type: 'object',
  properties: {
    id: uuid,
    module: { type: 'string' },
    fileName: { type: 'string' },
    format: { type: 'string', enum: ['csv', 'xlsx'] },
    mode: { type: 'string', enum: importModes },
    keyField: { type: ['string', 'null'] },
    mapping: { type: 'object', additionalProperties: { type: ['string', 'null'] } },
    route: { type: 'boolean' },
    runFlows: { type: 'boolean', description: "whether the module's flows ran for the imported records" },
    retryOf: { type: ['string', 'null'], description: 'the import this one retries' },
    retryable: {
      type: 'boolean',
      description:
        'the file is kept (the import failed, or some rows did): it can be retried without uploading it again',
    },
    tags: { type: 'array', items: { type: 'string' } },
    status: { type: 'string', enum: ['queued', 'running', 'done', 'failed', 'rolledBack'] },
    ...counts,
    error: { type: ['string', 'null'] },
    createdBy: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    startedAt: { type: ['string', 'null'], format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    rolledBackAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: [
    'id',
    'module',
    'fileName',
    'format',
    'mode',
    'keyField',
    'mapping',
    'route',
    'runFlows',
    'retryOf',
    'retryable',
    'tags',
    'status',
    ...(Object.keys(counts) as (keyof typeof counts)[]),
    'error',
    'createdBy',
    'createdAt',
    'startedAt',
    'finishedAt',
    'rolledBackAt',
  ],
} as const;

export const importListResponse = listOf(importResponse);

export const importErrorResponse = {
  type: 'object',
  properties: {
    row: { type: 'integer', description: 'the line in the file, the header being row 1' },
    field: { type: ['string', 'null'] },
    reason: { type: 'string' },
  },
  required: ['row', 'field', 'reason'],
} as const;

export const importErrorListResponse = listOf(importErrorResponse);

export const previewResponse = {
  type: 'object',
  properties: {
    format: { type: 'string', enum: ['csv', 'xlsx'] },
    header: { type: 'array', items: { type: 'string' } },
    rows: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
    total: { type: 'integer', description: 'data rows in the file' },
    mapping: { type: 'object', additionalProperties: { type: ['string', 'null'] } },
    fields: {
      type: 'array',
      description: 'the fields a column may map to',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          label: { type: 'string' },
          type: { type: 'string' },
          required: { type: 'boolean' },
        },
        required: ['name', 'label', 'type', 'required'],
      },
    },
  },
  required: ['format', 'header', 'rows', 'total', 'mapping', 'fields'],
} as const;

export const rollbackResponse = {
  type: 'object',
  properties: {
    deleted: { type: 'integer' },
    missing: { type: 'integer', description: 'created records already deleted since' },
    postsRemoved: { type: 'integer', description: 'feed posts on the created records removed (removePosts)' },
    notReverted: {
      type: 'integer',
      description: 'records the import updated: their old values are not restored',
    },
    message: { type: 'string' },
  },
  required: ['deleted', 'missing', 'notReverted', 'message'],
} as const;

export const exportParams = {
  type: 'object',
  properties: { module: moduleName },
  required: ['module'],
  additionalProperties: false,
} as const;

export const exportQuery = {
  type: 'object',
  properties: {
    where: { type: 'string', maxLength: 20_000, description: 'a JSON-encoded json-logic condition' },
  },
  additionalProperties: false,
} as const;

export const exportIndexResponse = {
  type: 'object',
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          module: { type: 'string' },
          label: { type: 'string' },
          url: { type: 'string' },
        },
        required: ['module', 'label', 'url'],
      },
    },
  },
  required: ['items'],
} as const;

export type ImportQuery = FromSchema<typeof importQuery>;
export type ImportView = FromSchema<
  typeof importResponse,
  { deserialize: [{ pattern: { type: 'string'; format: 'date-time' }; output: Date | string }] }
>;
export type PreviewView = FromSchema<typeof previewResponse>;
export type RollbackView = FromSchema<typeof rollbackResponse>;

export const rollbackPreviewResponse = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    toDelete: { type: 'integer', description: 'records the import created: rollback deletes them' },
    updated: { type: 'integer', description: 'records it updated: they keep the imported values' },
    posts: {
      type: 'integer',
      description: 'feed posts on the created records (removed only with removePosts)',
    },
    emails: { type: 'integer', description: 'emails already sent about the created records: never unsent' },
    warnings: {
      type: 'array',
      items: { type: 'string' },
      description: 'what rollback cannot undo, in sentences',
    },
  },
  required: ['status', 'toDelete', 'updated', 'posts', 'emails', 'warnings'],
  additionalProperties: false,
} as const;

/** All data out: every module, or those named. */
export const allDataExportQuery = {
  type: 'object',
  properties: {
    modules: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]{0,62}(,[a-z][a-z0-9_]{0,62})*$',
      description: 'comma-separated; default every module',
    },
  },
  additionalProperties: false,
} as const;

/** All data in: an all-data ZIP, each module's rows matched on `keyField`. */
export const allDataImportQuery = {
  type: 'object',
  properties: {
    mode: {
      type: 'string',
      enum: ['overwrite', 'skip'],
      default: 'skip',
      description:
        '`overwrite`: a row matching a record updates it; `skip`: it is left alone. Rows matching none are created',
    },
    keyField: { type: 'string', maxLength: 64, default: 'id', description: 'the field rows are matched on' },
  },
  additionalProperties: false,
} as const;
