import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { asCurrent, moduleName } from './record-params.ts';

export const maxFound = 1000;

const params = {
  type: 'object',
  properties: {
    module: { ...moduleName, title: 'Find records of' },
    where: {
      type: 'object',
      title: 'Where',
      description:
        'json-logic over the module’s fields, as record lists take it; values may be templates: {"==":[{"var":"associationId"},"{{record.id}}"]}',
    },
    sort: {
      type: 'string',
      pattern: '^-?[A-Za-z][A-Za-z0-9_]{0,62}$',
      default: '-createdAt',
      title: 'Sort by',
      description: 'A field, - first for descending',
    },
    limit: { type: 'integer', minimum: 1, maximum: maxFound, default: 100, title: 'At most' },
  },
  required: ['module'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    items: { type: 'array', items: { type: 'object' }, description: 'Records with their module and id' },
    count: { type: 'integer' },
    truncated: { type: 'boolean', description: 'More records matched than the limit' },
  },
  additionalProperties: false,
} as const;

/**
 * Records of a module matching a condition, for a forEach to go over
 * (`{{steps.<id>.output.items}}`): a contact's open tasks, an account's contacts.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'records.find',
  title: 'Find records',
  category: 'Records',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const found = await servicesOf(ctx).records.find(input.module, {
      where: input.where,
      sort: input.sort ?? '-createdAt',
      limit: Math.min(input.limit ?? 100, maxFound),
    });
    const items = found.items.map((record) => asCurrent(input.module, record));
    return { items, count: items.length, truncated: found.more };
  },
});
