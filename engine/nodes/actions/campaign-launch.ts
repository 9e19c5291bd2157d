import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { checkId } from './record-params.ts';

const params = {
  type: 'object',
  properties: {
    campaignId: {
      type: 'string',
      minLength: 1,
      'x-weft-ref': 'campaign',
      title: 'Campaign',
      description: 'A draft campaign',
    },
  },
  required: ['campaignId'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { status: { type: 'string' }, queued: { type: 'integer' } },
  required: ['status', 'queued'],
  additionalProperties: false,
} as const;

/** X2FlowCampaignLaunch: launches a draft campaign; its recipients are queued in the step's transaction. */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'campaign.launch',
  title: 'Launch campaign',
  category: 'Marketing',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    return servicesOf(ctx).marketing.launchCampaign(checkId('campaignId', input.campaignId));
  },
});
