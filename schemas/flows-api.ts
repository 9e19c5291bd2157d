import { flowSchema } from './flow.ts';

/** Request shapes of the flows API; the flow definition itself is schemas/flow.ts. */

// Embedded in several request schemas of one validator: without its $id, which may be registered once.
const { $id: _id, ...flowBody } = flowSchema;

export { flowBody };

export const flowCreateBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 5000 },
    definition: flowBody,
  },
  required: ['name'],
  additionalProperties: false,
} as const;

export const flowPatchBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: ['string', 'null'], maxLength: 5000 },
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

export const flowRunBody = {
  type: 'object',
  description: 'Run a flow by hand on records of its trigger module (X2CRM macro), or a draft as a test run.',
  properties: {
    recordIds: {
      type: 'array',
      items: { type: 'string', format: 'uuid' },
      minItems: 1,
      maxItems: 500,
      uniqueItems: true,
    },
  },
  required: ['recordIds'],
  additionalProperties: false,
} as const;

export const testRunBody = {
  type: 'object',
  properties: {
    recordId: { type: 'string', format: 'uuid', description: 'A record of the trigger’s module to test on' },
  },
  required: ['recordId'],
  additionalProperties: false,
} as const;

export const runsQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    cursor: { type: 'string', maxLength: 500 },
    status: { type: 'string', enum: ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] },
  },
  additionalProperties: false,
} as const;

/** `POST /api/flows/code-runs`: a code step's source tried on a sample record, nothing published or kept. */
export const codeRunBody = {
  type: 'object',
  properties: {
    source: { type: 'string', maxLength: 100_000 },
    language: { type: 'string', enum: ['ts', 'js'], default: 'ts' },
    outputSchema: { type: 'object' },
    module: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
    recordId: { type: 'string', format: 'uuid', description: 'A record of the module to run the code on' },
    timeLimitMs: { type: 'integer', minimum: 10, maximum: 60_000 },
  },
  required: ['source', 'module', 'recordId'],
  additionalProperties: false,
} as const;

/** X2CRM references of an imported flow bound to Weft ids: `{"x2crm:list:12": "<list id>"}`. */
export const flowBindBody = {
  type: 'object',
  properties: {
    values: {
      type: 'object',
      propertyNames: { pattern: '^x2crm:(user|group|list|record|campaign|process|stage):.+$' },
      additionalProperties: { type: 'string', minLength: 1 },
      minProperties: 1,
    },
  },
  required: ['values'],
  additionalProperties: false,
} as const;

export const macrosQuery = {
  type: 'object',
  properties: { module: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' } },
  additionalProperties: false,
} as const;

export const triggerLogOutcomes = ['started', 'conditions', 'depth-limit', 'cycle', 'error'] as const;

/** The trigger log, newest first, of every flow or one. */
export const triggerLogQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', maxLength: 500 },
    flowId: { type: 'string', format: 'uuid' },
    outcome: { type: 'string', enum: triggerLogOutcomes },
    module: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
    recordId: { type: 'string', format: 'uuid' },
    from: { type: 'string', format: 'date-time', description: 'Entries at or after this time' },
    to: { type: 'string', format: 'date-time', description: 'Entries before this time' },
  },
  additionalProperties: false,
} as const;

export const triggerLogDeleteQuery = {
  type: 'object',
  properties: { flowId: { type: 'string', format: 'uuid', description: 'Only this flow’s entries' } },
  additionalProperties: false,
} as const;

export const triggerLogIdParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 } },
  required: ['id'],
  additionalProperties: false,
} as const;
