import type { FromSchema } from 'json-schema-to-ts';
import { uuid } from './common.ts';
import { tagsBody } from './tags.ts';

/**
 * `POST /api/records/:module/bulk`: one action on many records. The body is a union on
 * `action` (ajv's `discriminator`, so a bad body is reported against its own action's
 * shape only); each action takes its own parameters and no others.
 */

/** The most records one request may name or match. */
export const bulkLimit = 10_000;

const target = {
  type: 'object',
  description:
    'Which records: `ids`, or every record the caller may view that matches `where` (a json-logic ' +
    "condition, as the list's `where`) and `search` (as the list's `q`); `{}` is every record.",
  properties: {
    ids: { type: 'array', items: uuid, minItems: 1, maxItems: bulkLimit, uniqueItems: true },
    where: { type: 'object', description: 'a json-logic condition' },
    search: { type: 'string', maxLength: 200 },
  },
  additionalProperties: false,
  // Ids, or a filter: not both.
  dependencies: { ids: { properties: { where: false, search: false } } },
} as const;

const assign = {
  type: 'object',
  properties: {
    action: { const: 'assign' },
    target,
    assignedTo: { type: ['string', 'null'], format: 'uuid', description: 'a user or group; null unassigns' },
  },
  required: ['action', 'target', 'assignedTo'],
  additionalProperties: false,
} as const;

const addTags = {
  type: 'object',
  properties: { action: { const: 'addTags' }, target, tags: tagsBody.properties.tags },
  required: ['action', 'target', 'tags'],
  additionalProperties: false,
} as const;

const removeTags = {
  type: 'object',
  properties: { action: { const: 'removeTags' }, target, tags: tagsBody.properties.tags },
  required: ['action', 'target', 'tags'],
  additionalProperties: false,
} as const;

const deleteRecords = {
  type: 'object',
  properties: { action: { const: 'delete' }, target },
  required: ['action', 'target'],
  additionalProperties: false,
} as const;

const update = {
  type: 'object',
  properties: {
    action: { const: 'update' },
    target,
    values: {
      type: 'object',
      minProperties: 1,
      maxProperties: 100,
      description: "Field values to set on every record, checked against the module's definition",
    },
  },
  required: ['action', 'target', 'values'],
  additionalProperties: false,
} as const;

const runFlow = {
  type: 'object',
  properties: { action: { const: 'runFlow' }, target, flowId: uuid },
  required: ['action', 'target', 'flowId'],
  additionalProperties: false,
} as const;

export const recordBulkBody = {
  type: 'object',
  description: 'One action on many records: assign, addTags, removeTags, delete, update or runFlow.',
  discriminator: { propertyName: 'action' },
  required: ['action'],
  oneOf: [assign, addTags, removeTags, deleteRecords, update, runFlow],
} as const;

export const recordCountQuery = {
  type: 'object',
  properties: {
    q: { type: 'string', maxLength: 200 },
    where: { type: 'string', maxLength: 20_000, description: 'a JSON-encoded json-logic condition' },
  },
  additionalProperties: false,
} as const;

export type RecordBulkBody = FromSchema<typeof recordBulkBody>;
export type BulkTarget = FromSchema<typeof target>;
