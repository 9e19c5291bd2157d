import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';
import { checkId } from './record-params.ts';

const params = {
  type: 'object',
  properties: {
    listId: {
      type: 'string',
      minLength: 1,
      title: 'List',
      'x-weft-ref': 'list',
      description: 'A static or dynamic list of the record’s module',
    },
  },
  required: ['listId'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { onList: { type: 'boolean' } },
  required: ['onList'],
  additionalProperties: false,
} as const;

/**
 * X2CRM's "record is on a list" condition, as a check whose output a branch tests
 * (`{"==":[{"var":"steps.<id>.output.onList"},true]}`): list membership lives in the
 * database, and conditions read only the run's own data.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'list.hasRecord',
  title: 'Is the record on a list?',
  category: 'Checks',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const { id } = currentRecord(ctx.record);
    return { onList: await servicesOf(ctx).lists.has(checkId('listId', input.listId), id) };
  },
});
