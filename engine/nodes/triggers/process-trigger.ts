import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode, moduleParam, recordInput } from '../define.ts';

/**
 * X2CRM's process triggers (WorkflowStartTrigger, WorkflowCompleteTrigger,
 * Workflow{Start,Complete,Revert}StageTrigger): a record's progress through a process
 * changed (server/processes/progress.ts writes the event in the change's transaction).
 */

const processId = {
  type: 'string',
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  title: 'Process id',
  description: 'Only this process; leave out for any',
} as const;
const stageId = {
  type: 'string',
  pattern: '^[A-Za-z0-9_-]{1,64}$',
  title: 'Stage id',
  description: 'Only this stage; leave out for any',
} as const;

const processParams = {
  type: 'object',
  properties: { module: moduleParam, processId, conditions: conditionsParam },
  additionalProperties: false,
} as const;

const stageParams = {
  type: 'object',
  properties: { module: moduleParam, processId, stageId, conditions: conditionsParam },
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    module: { type: 'string' },
    recordId: { type: 'string' },
    eventId: { type: 'integer' },
    processId: { type: 'string' },
    processName: { type: 'string' },
    stageId: { type: 'string' },
    stageName: { type: 'string' },
    comment: { type: ['string', 'null'] },
  },
  additionalProperties: false,
} as const;

type Params = FromSchema<typeof stageParams>;

export function processTrigger(type: string, title: string, event: string, kind: 'process' | 'stage') {
  return defineTriggerNode<Params>({
    type,
    title,
    category: 'Processes',
    description:
      '`record` holds the record as it is when the flow starts; `trigger.processName`, `trigger.stageName` (and `trigger.comment`) say what moved.',
    params: kind === 'stage' ? stageParams : processParams,
    output,
    providesRecord: true,
    events: [event],
    moduleOf: (params) => params.module ?? null,
    match: (event, params) => {
      const payload = event.payload;
      if (params.module !== undefined && event.module !== params.module) return null;
      if (params.processId !== undefined && payload.processId !== params.processId) return null;
      if (kind === 'stage' && params.stageId !== undefined && payload.stageId !== params.stageId) return null;
      const input = recordInput(event);
      const facts = Object.fromEntries(
        ['processId', 'processName', 'stageId', 'stageName', 'comment'].flatMap((key) =>
          payload[key] === undefined ? [] : [[key, payload[key]]],
        ),
      );
      return { ...input, trigger: { ...(input.trigger as object), ...facts } };
    },
  });
}
