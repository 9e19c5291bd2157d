import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { checkId } from './record-params.ts';

const params = {
  type: 'object',
  properties: {
    userId: {
      type: 'string',
      minLength: 1,
      title: 'User',
      default: '{{record.assignedTo}}',
      description: 'A user, or a variable such as {{record.assignedTo}}',
      'x-weft-ref': 'user',
    },
  },
  required: ['userId'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { online: { type: 'boolean' } },
  required: ['online'],
  additionalProperties: false,
} as const;

/**
 * X2CRM's "user is logged in" condition, as a check whose output a branch tests
 * (`{"==":[{"var":"steps.<id>.output.online"},true]}`): presence is read when the step
 * runs, not when the run started.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'user.isOnline',
  title: 'Is a user online?',
  category: 'Checks',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    return { online: await servicesOf(ctx).presence.isOnline(checkId('userId', input.userId)) };
  },
});
