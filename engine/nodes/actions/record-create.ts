import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { NonRetriableError } from '../../runtime/errors.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';
import { asCurrent, fieldValues, moduleName, recordOutput } from './record-params.ts';

const params = {
  type: 'object',
  properties: {
    module: { ...moduleName, title: 'Create a record of' },
    values: fieldValues,
    relateBy: {
      type: 'string',
      pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$',
      title: 'Relate to the current record by',
      'x-weft-ref': 'field',
      description:
        'A link field of the new record set to the current record, e.g. contactId for a case created on a contact',
    },
  },
  required: ['module', 'values'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { id: { type: 'string' }, module: { type: 'string' }, record: recordOutput },
  additionalProperties: false,
} as const;

/**
 * X2FlowRecordCreate: a record of any module, optionally related to the current one by a
 * link field (a polymorphic link also gets the current record's module in its holder field).
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'record.create',
  title: 'Create record',
  category: 'Records',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const services = servicesOf(ctx);
    const values: Record<string, unknown> = { ...(input.values as Record<string, unknown>) };
    if (input.relateBy) {
      const current = currentRecord(ctx.record);
      const link = await services.records.linkOf(input.module, input.relateBy);
      if (link.module !== null && link.module !== current.module) {
        throw new NonRetriableError(
          `relateBy: ${input.module}.${input.relateBy} links to ${link.module} records, and the current record is of ${current.module}`,
        );
      }
      values[input.relateBy] = current.id;
      if (link.moduleField !== null) values[link.moduleField] = current.module;
    }
    const record = await services.records.create(input.module, values);
    return { id: String(record.id), module: input.module, record: asCurrent(input.module, record) };
  },
});
