import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { NonRetriableError } from '../../runtime/errors.ts';
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
      'x-weft-choices': [
        'A user or group',
        "Whoever the module's lead routing picks (applied now, even where the module does not route new records)",
      ],
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
  properties: {
    assignedTo: { type: ['string', 'null'] },
    reason: { type: 'string', description: 'With "routing": why lead routing chose this assignee' },
    record: { type: 'object', description: 'The record as assigned: later steps see it as record' },
  },
  additionalProperties: false,
} as const;

/**
 * X2FlowRecordReassign: to a user or group, or to whoever lead routing picks. Routing is
 * applied on demand (X2CRM's "auto"): the module's rules decide even when the module does
 * not route every new record; when they give nobody, the step fails (its error handle can
 * take the run elsewhere) rather than leaving the record silently unassigned.
 */
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
    if (input.to === 'routing') {
      const { assignee, reason } = await services.routing.routeNow(module, values);
      if (!assignee) {
        throw new NonRetriableError(
          `Lead routing for ${module} found nobody to assign this record to: ${reason}`,
        );
      }
      const record = await services.records.update(module, id, { assignedTo: assignee });
      return { assignedTo: assignee, reason, record };
    }
    const assignedTo = input.assignee ?? null;
    const record = await services.records.update(module, id, { assignedTo });
    return { assignedTo, record };
  },
});
