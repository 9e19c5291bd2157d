import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';

const params = {
  type: 'object',
  properties: {
    to: { type: 'string', enum: ['user', 'routing'], default: 'user', title: 'Assign to' },
    assignee: { type: 'string', title: 'User or group id', description: 'For "user"; may be a template' },
  },
  required: ['to'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    assignedTo: { type: ['string', 'null'] },
    record: { type: 'object', description: 'The record as assigned: later steps see it as record' },
  },
  additionalProperties: false,
} as const;

/** X2FlowRecordReassign: to a user or group, or to whoever lead routing picks. */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'record.assign',
  title: 'Assign record',
  category: 'Records',
  params,
  output,
  updatesRecord: true,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const { module, id, values } = currentRecord(ctx.record);
    const services = servicesOf(ctx);
    const assignedTo =
      input.to === 'routing' ? await services.routing.route(module, values) : (input.assignee ?? null);
    const record = await services.records.update(module, id, { assignedTo });
    return { assignedTo, record };
  },
});
