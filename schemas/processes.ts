import type { FromSchema } from 'json-schema-to-ts';
import { uuid } from './common.ts';
import { fieldName, moduleName } from './modules.ts';

/** Processes (X2Process): definitions, a record's progress, the board and the funnel. */

const name = { type: 'string', minLength: 1, maxLength: 200 } as const;
const description = { type: ['string', 'null'], maxLength: 4000 } as const;
const color = { type: ['string', 'null'], pattern: '^#[0-9a-fA-F]{6}$' } as const;
/** A stage's id: kept across edits, so progress follows the stage, not its position. */
export const stageId = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } as const;

export const stageSchema = {
  type: 'object',
  properties: {
    id: { ...stageId, description: 'Stable id; leave out for a new stage (one is given)' },
    name,
    description,
    conversionRate: { type: ['number', 'null'], minimum: 0, maximum: 100 },
    value: { type: ['number', 'null'] },
    requirePrevious: {
      description: "'none', 'all' (every earlier stage), or { stageId } (one named stage) completed first",
      oneOf: [
        { type: 'string', enum: ['none', 'all'] },
        {
          type: 'object',
          properties: { stageId },
          required: ['stageId'],
          additionalProperties: false,
        },
      ],
    },
    requireComment: { type: 'boolean' },
    roles: { type: 'array', items: uuid, maxItems: 100, uniqueItems: true, description: 'Empty: everyone' },
  },
  required: ['name'],
  additionalProperties: false,
} as const;

const processProperties = {
  name,
  description,
  modules: { type: 'array', items: moduleName, minItems: 1, maxItems: 50, uniqueItems: true },
  defaultFor: {
    type: 'array',
    items: moduleName,
    maxItems: 50,
    uniqueItems: true,
    description: 'Modules whose default process this is (one of `modules`)',
  },
  color,
  financialModule: { type: ['string', 'null'], ...{ pattern: moduleName.pattern } },
  financialField: { type: ['string', 'null'], ...{ pattern: fieldName.pattern } },
  stages: { type: 'array', items: stageSchema, minItems: 1, maxItems: 100 },
} as const;

export const processBody = {
  type: 'object',
  properties: processProperties,
  required: ['name', 'modules', 'stages'],
  additionalProperties: false,
} as const;

export const processPatchBody = {
  type: 'object',
  properties: processProperties,
  additionalProperties: false,
  minProperties: 1,
} as const;

export const processListQuery = {
  type: 'object',
  properties: { module: moduleName },
  additionalProperties: false,
} as const;

export const progressParams = {
  type: 'object',
  properties: { id: uuid, recordId: uuid },
  required: ['id', 'recordId'],
  additionalProperties: false,
} as const;

export const recordProcessesParams = {
  type: 'object',
  properties: { module: moduleName, recordId: uuid },
  required: ['module', 'recordId'],
  additionalProperties: false,
} as const;

const dateTime = { type: 'string', format: 'date-time' } as const;

export const stageActionBody = {
  type: 'object',
  properties: {
    module: moduleName,
    action: { type: 'string', enum: ['start', 'complete', 'revert', 'edit'] },
    stageId,
    comment: { type: ['string', 'null'], maxLength: 10_000 },
    completedAt: { ...dateTime, description: 'Backdated completion (within the backdate range)' },
    completedBy: { ...uuid, description: 'Who completed it, when not the caller (reassignment setting)' },
  },
  required: ['module', 'action', 'stageId'],
  additionalProperties: false,
} as const;

export const moveBody = {
  type: 'object',
  properties: {
    module: moduleName,
    toStageId: stageId,
    comments: {
      type: 'object',
      propertyNames: stageId,
      additionalProperties: { type: 'string', maxLength: 10_000 },
      description: 'Comments for the stages a forward move completes, by stage id',
    },
  },
  required: ['module', 'toStageId'],
  additionalProperties: false,
} as const;

const assignee = { ...uuid, description: 'Only records assigned to this user or group' } as const;

export const boardQuery = {
  type: 'object',
  properties: {
    module: moduleName,
    assignedTo: assignee,
    from: dateTime,
    to: dateTime,
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50, description: 'Cards per column' },
  },
  additionalProperties: false,
} as const;

export const funnelQuery = {
  type: 'object',
  properties: { module: moduleName, assignedTo: assignee, from: dateTime, to: dateTime },
  additionalProperties: false,
} as const;

export const stageRecordsQuery = {
  type: 'object',
  properties: {
    module: moduleName,
    status: { type: 'string', enum: ['reached', 'started', 'completed', 'current'], default: 'reached' },
    from: dateTime,
    to: dateTime,
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
  additionalProperties: false,
} as const;

export const stageParams = {
  type: 'object',
  properties: { id: uuid, stageId },
  required: ['id', 'stageId'],
  additionalProperties: false,
} as const;

export type ProcessInput = FromSchema<typeof processBody>;
export type ProcessPatch = FromSchema<typeof processPatchBody>;
export type StageInput = FromSchema<typeof stageSchema>;
export type StageActionInput = FromSchema<typeof stageActionBody>;
export type MoveInput = FromSchema<typeof moveBody>;
export type BoardQuery = FromSchema<typeof boardQuery>;
export type FunnelQuery = FromSchema<typeof funnelQuery>;
export type StageRecordsQuery = FromSchema<typeof stageRecordsQuery>;

/** A stage as stored: every field present. */
export interface Stage {
  id: string;
  name: string;
  description: string | null;
  conversionRate: number | null;
  value: number | null;
  requirePrevious: 'none' | 'all' | { stageId: string };
  requireComment: boolean;
  roles: string[];
}
