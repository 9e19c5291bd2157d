import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { NonRetriableError } from '../../runtime/errors.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';
import { checkId, moduleName } from './record-params.ts';

const params = {
  type: 'object',
  properties: {
    module: { ...moduleName, title: 'Module', description: 'With record id: delete that record instead' },
    recordId: {
      type: 'string',
      title: 'Record',
      description: 'Leave empty to delete the current record; e.g. {{vars.item.id}} in a loop',
      'x-weft-ref': 'record',
    },
  },
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { module: { type: 'string' }, id: { type: 'string' } },
  additionalProperties: false,
} as const;

/**
 * X2FlowRecordDelete: the current record, or one named by module and id. Later steps still
 * see the deleted record's values in `record`, as they were.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'record.delete',
  title: 'Delete record',
  category: 'Records',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    if ((input.module === undefined) !== (input.recordId === undefined || input.recordId === '')) {
      throw new NonRetriableError('module and recordId: give both to delete another record, or neither');
    }
    const target =
      input.module && input.recordId
        ? { module: input.module, id: checkId('recordId', input.recordId) }
        : currentRecord(ctx.record);
    await servicesOf(ctx).records.delete(target.module, target.id);
    return { module: target.module, id: target.id };
  },
});
