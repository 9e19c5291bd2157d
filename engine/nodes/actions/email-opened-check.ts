import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';

const params = {
  type: 'object',
  properties: {
    campaignId: {
      type: 'string',
      format: 'uuid',
      'x-weft-ref': 'campaign',
      title: 'Only emails of this campaign',
    },
    templateId: {
      type: 'string',
      format: 'uuid',
      'x-weft-ref': 'emailTemplate',
      title: 'Only emails of this template',
    },
    withinDays: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 3650,
      title: 'Opened within the last (days)',
    },
  },
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { opened: { type: 'boolean' } },
  required: ['opened'],
  additionalProperties: false,
} as const;

/**
 * X2CRM's "an earlier email was opened" condition, as a check whose output a branch tests
 * (`{"==":[{"var":"steps.<id>.output.opened"},true]}`), as "record is on a list" is.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'email.wasOpened',
  title: 'Was an earlier email opened?',
  category: 'Checks',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const { module, id } = currentRecord(ctx.record);
    const opened = await servicesOf(ctx).marketing.earlierEmailOpened({
      module,
      recordId: id,
      campaignId: input.campaignId,
      templateId: input.templateId,
      withinSeconds: input.withinDays === undefined ? undefined : Math.round(input.withinDays * 86_400),
    });
    return { opened };
  },
});
