import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';

const params = {
  type: 'object',
  properties: {
    values: {
      type: 'object',
      title: 'Fields to set',
      description: 'Field name → new value; `{{…}}` templates are rendered first',
      'x-weft-ref': 'fieldValues',
      minProperties: 1,
    },
  },
  required: ['values'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { record: { type: 'object' } },
  additionalProperties: false,
} as const;

/** X2FlowRecordUpdate: set fields of the current record; values may be templates. */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'record.update',
  title: 'Update record',
  category: 'Records',
  params,
  output,
  updatesRecord: true,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const { module, id } = currentRecord(ctx.record);
    const record = await servicesOf(ctx).records.update(module, id, input.values as Record<string, unknown>);
    return { record };
  },
});
