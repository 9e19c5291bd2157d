import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';

const params = {
  type: 'object',
  properties: {
    values: {
      type: 'object',
      title: 'Variables',
      description: 'Name → value, read later as {{vars.<name>}}; `{{…}}` templates are rendered first',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' },
      minProperties: 1,
    },
  },
  required: ['values'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { vars: { type: 'object' } },
  additionalProperties: false,
} as const;

/** Sets run variables for the steps that follow (X2CRM has none; its formulas stand in for them). */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'vars.set',
  title: 'Set variables',
  category: 'Data',
  params,
  output,
  setsVars: true,
  async run(_ctx, input) {
    return { vars: input.values as Record<string, unknown> };
  },
});
