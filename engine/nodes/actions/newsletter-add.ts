import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';
import { checkId } from './record-params.ts';

const params = {
  type: 'object',
  properties: { newsletterId: { type: 'string', minLength: 1, title: 'Newsletter id' } },
  required: ['newsletterId'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { added: { type: 'boolean', description: 'false: the address was subscribed already' } },
  required: ['added'],
  additionalProperties: false,
} as const;

/** X2FlowRecordNewsletterAdd: the current record (its email address) joins a newsletter. */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'newsletter.add',
  title: 'Add to newsletter',
  category: 'Marketing',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const { module, id } = currentRecord(ctx.record);
    return servicesOf(ctx).marketing.addToNewsletter(checkId('newsletterId', input.newsletterId), module, id);
  },
});
