/**
 * The control node types: their params schemas, handles and compiler roles. Conditions in
 * params are json-logic rules (checked by validateCondition); `items`/`until` are templates.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { type Branch, defineControl, errorHandle, type HandleSpec, mainHandle } from './node-types.ts';

export const maxForEachCap = 10_000;
export const defaultForEachCap = 100;

export const durationUnits = ['seconds', 'minutes', 'hours', 'days', 'weeks', 'months'] as const;

const duration = {
  type: 'object',
  properties: {
    amount: { type: 'number', minimum: 0 },
    unit: { enum: durationUnits },
  },
  required: ['amount', 'unit'],
  additionalProperties: false,
} as const;

const offset = {
  type: 'object',
  description: 'Added to the date; a negative amount goes back in time.',
  properties: { amount: { type: 'number' }, unit: { enum: durationUnits } },
  required: ['amount', 'unit'],
  additionalProperties: false,
} as const;

const nothing = { type: 'object', properties: {}, additionalProperties: false } as const;

export const ifParams = {
  type: 'object',
  properties: {
    condition: { description: 'json-logic rule over {record, previous, trigger, user, vars, steps, now}' },
  },
  required: ['condition'],
  additionalProperties: false,
} as const;

export const switchParams = {
  type: 'object',
  properties: {
    cases: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        properties: {
          handle: { type: 'string', pattern: '^(?!default$|error$|out$)[A-Za-z0-9_-]{1,64}$' },
          label: { type: 'string' },
          condition: {},
        },
        required: ['handle', 'condition'],
        additionalProperties: false,
      },
    },
  },
  required: ['cases'],
  additionalProperties: false,
} as const;

export const waitParams = {
  // The titles name the choice in the designer's form (rjsf would say "Option 1 / Option 2").
  oneOf: [
    {
      title: 'For a while',
      type: 'object',
      properties: { duration },
      required: ['duration'],
      additionalProperties: false,
    },
    {
      title: 'Until a date',
      type: 'object',
      properties: {
        until: {
          type: 'string',
          minLength: 1,
          description: 'A date, usually a template: {{record.closeDate}}',
        },
        offset,
      },
      required: ['until'],
      additionalProperties: false,
    },
  ],
} as const;

export const forEachParams = {
  type: 'object',
  properties: {
    items: {
      type: 'string',
      minLength: 1,
      description: 'A template that renders to a list: {{record.tags}}',
    },
    cap: { type: 'integer', minimum: 1, maximum: maxForEachCap, default: defaultForEachCap },
    as: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$', default: 'item' },
  },
  required: ['items'],
  additionalProperties: false,
} as const;

export const callFlowParams = {
  type: 'object',
  properties: {
    flowId: { type: 'string', minLength: 1 },
    input: { type: 'object', description: 'Templates rendered into the called run’s vars' },
  },
  required: ['flowId'],
  additionalProperties: false,
} as const;

export type IfParams = FromSchema<typeof ifParams>;
export type SwitchParams = FromSchema<typeof switchParams>;
export type WaitParams = FromSchema<typeof waitParams>;
export type ForEachParams = FromSchema<typeof forEachParams>;
export type CallFlowParams = FromSchema<typeof callFlowParams>;
export type DurationUnit = (typeof durationUnits)[number];

const main: HandleSpec = { id: mainHandle, required: false };

function switchCases(params: unknown): Branch[] {
  const cases = (params as Partial<SwitchParams> | null)?.cases;
  return Array.isArray(cases) ? cases.map((c) => ({ handle: c.handle, condition: c.condition })) : [];
}

export const controlNodes = [
  defineControl({
    type: 'control.if',
    role: 'branch',
    title: 'If / else',
    params: ifParams,
    output: nothing,
    handles: () => [
      { id: 'true', required: true },
      { id: 'false', required: true },
    ],
    branches: (params) => ({
      branches: [{ handle: 'true', condition: (params as IfParams).condition }],
      fallback: 'false',
    }),
  }),
  defineControl({
    type: 'control.switch',
    role: 'branch',
    title: 'Switch',
    description: 'Takes the first case whose condition holds, otherwise `default`.',
    params: switchParams,
    output: nothing,
    handles: (params) => [
      ...switchCases(params).map((c) => ({ id: c.handle, required: true })),
      { id: 'default', required: false },
    ],
    branches: (params) => ({ branches: switchCases(params), fallback: 'default' }),
  }),
  defineControl({
    type: 'control.parallel',
    role: 'split',
    title: 'Run in parallel',
    description: 'Every edge leaving the node starts a branch; a control.join waits for all of them.',
    params: nothing,
    output: nothing,
    handles: () => [{ id: mainHandle, required: true, multiple: true }],
  }),
  defineControl({
    type: 'control.join',
    role: 'join',
    title: 'Join',
    description: 'Continues once every branch of the matching parallel split has arrived.',
    params: nothing,
    output: nothing,
    handles: () => [main],
  }),
  defineControl({
    type: 'control.wait',
    role: 'wait',
    title: 'Wait',
    params: waitParams,
    output: nothing,
    handles: () => [main],
  }),
  defineControl({
    type: 'control.forEach',
    role: 'loop',
    title: 'For each',
    description:
      'Runs the `each` branch once per item (at most `cap`), then `done`. The current item is `{{vars.<as>}}`.',
    params: forEachParams,
    output: {
      type: 'object',
      properties: { count: { type: 'integer' }, truncated: { type: 'boolean' } },
      additionalProperties: false,
    },
    handles: () => [
      { id: 'each', required: true },
      { id: 'done', required: false },
    ],
  }),
  defineControl({
    type: 'control.callFlow',
    role: 'call',
    title: 'Call flow',
    description: 'Runs another flow and continues with its result as this step’s output.',
    params: callFlowParams,
    output: { type: 'object' },
    handles: () => [main, { id: errorHandle, required: false }],
  }),
  defineControl({
    type: 'control.end',
    role: 'end',
    title: 'End',
    description: 'Ends the whole run, including branches still running in parallel.',
    params: nothing,
    output: nothing,
    handles: () => [],
  }),
];
