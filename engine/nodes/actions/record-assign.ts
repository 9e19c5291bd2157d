import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';

const params = {
  type: 'object',
  properties: {
    to: {
      type: 'string',
      enum: ['user', 'routing'],
      default: 'user',
      title: 'Assign to',
      'x-weft-choices': ['A user or group', 'Whoever lead routing picks'],
    },
    assignee: {
      type: 'string',
      title: 'User or group',
      description: 'Who gets the record; may be a variable such as {{record.assignedTo}}',
      'x-weft-ref': 'assignee',
    },
  },
  required: ['to'],
  // A user or group is required when assigning to one; routing needs none.
  if: { properties: { to: { const: 'user' } } },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a promise
  then: { required: ['assignee'] },
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { assignedTo: { type: ['string', 'null'] } },
  additionalProperties: false,
} as const;

/** X2FlowRecordReassign: to a user or group, or to whoever lead routing picks. */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'record.assign',
  title: 'Assign record',
  category: 'Records',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const { module, id, values } = currentRecord(ctx.record);
    const services = servicesOf(ctx);
    const assignedTo =
      input.to === 'routing' ? await services.routing.route(module, values) : (input.assignee ?? null);
    await services.records.update(module, id, { assignedTo });
    return { assignedTo };
  },
});
