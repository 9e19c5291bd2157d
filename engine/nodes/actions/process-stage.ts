import type { FromSchema } from 'json-schema-to-ts';
import { type ActionDefinition, defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';

/**
 * X2CRM's X2FlowWorkflowStartStage / CompleteStage / RevertStage (and the X2FlowProcess*
 * names): a stage of a process on the current record, with every rule of the API. A
 * refusal (the stage already completed, a prerequisite missing, a comment required) fails
 * the step naming the rule, so it can be routed through the step's error handle.
 */

const processId = {
  type: 'string',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  title: 'Process id',
  description: 'A Weft process (an X2CRM import writes a placeholder to bind)',
} as const;
const stageId = {
  type: 'string',
  pattern: '^[A-Za-z0-9_-]{1,64}$',
  title: 'Stage id',
} as const;

const stageParams = {
  type: 'object',
  properties: { processId, stageId },
  required: ['processId', 'stageId'],
  additionalProperties: false,
} as const;

const completeParams = {
  type: 'object',
  properties: {
    processId,
    stageId,
    comment: {
      type: 'string',
      title: 'Comment',
      description: 'Needed when the stage requires one; may be a template',
    },
  },
  required: ['processId', 'stageId'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    processId: { type: 'string' },
    currentStage: {
      type: ['string', 'null'],
      description: "The record's stage after the step ('completed' when all are)",
    },
    completed: { type: 'boolean', description: 'Whether every stage is completed' },
    stages: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' }, status: { type: 'string' } },
      },
    },
  },
  additionalProperties: false,
} as const;

type Params = FromSchema<typeof completeParams>;
type Output = FromSchema<typeof output>;

const titles = {
  start: 'Start process stage',
  complete: 'Complete process stage',
  revert: 'Revert process stage',
};

export function processStageAction(
  action: 'start' | 'complete' | 'revert',
): ActionDefinition<Params, Output> {
  return defineAction<Params, Output>({
    type: `process.${action}Stage`,
    title: titles[action],
    category: 'Processes',
    params: action === 'complete' ? completeParams : stageParams,
    output,
    retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
    async run(ctx, input) {
      const { module, id } = currentRecord(ctx.record);
      const answer = await servicesOf(ctx).processes.change({
        processId: input.processId,
        module,
        recordId: id,
        action,
        stageId: input.stageId,
        comment: input.comment,
      });
      return answer as Output;
    },
  });
}
