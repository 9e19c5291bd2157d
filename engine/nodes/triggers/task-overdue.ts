import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode, recordInput } from '../define.ts';

const unitSeconds = { seconds: 1, minutes: 60, hours: 3_600, days: 86_400, weeks: 604_800 } as const;

const params = {
  type: 'object',
  properties: {
    module: { const: 'tasks', default: 'tasks', title: 'Module', description: 'Always tasks' },
    overdueBy: {
      type: 'object',
      title: 'Overdue by',
      description: 'How long after its due date an incomplete task starts the flow',
      properties: {
        amount: { type: 'integer', minimum: 0, maximum: 100_000, title: 'Amount', default: 1 },
        unit: { enum: Object.keys(unitSeconds), title: 'Unit', default: 'days' },
      },
      required: ['amount', 'unit'],
      additionalProperties: false,
    },
    conditions: conditionsParam,
  },
  required: ['overdueBy'],
  additionalProperties: false,
} as const;

export type TaskOverdueParams = FromSchema<typeof params>;

const output = {
  type: 'object',
  properties: {
    module: { type: 'string' },
    recordId: { type: 'string' },
    eventId: { type: 'integer' },
    overdueBySeconds: { type: 'integer' },
  },
  additionalProperties: false,
} as const;

export function thresholdSeconds(params: TaskOverdueParams): number {
  return params.overdueBy.amount * unitSeconds[params.overdueBy.unit as keyof typeof unitSeconds];
}

/**
 * X2CRM's "action overdue". Time passing writes no event: a scan every minute
 * (server/automation/task-overdue.ts) emits `task.overdue` for each task crossing an active
 * flow's threshold, addressed to that flow, once per (flow, task, threshold).
 */
export default defineTriggerNode<TaskOverdueParams>({
  type: 'trigger.taskOverdue',
  title: 'Task overdue',
  category: 'Tasks',
  params,
  output,
  providesRecord: true,
  events: ['task.overdue'],
  moduleOf: () => 'tasks',
  match: (event, params) => {
    if (event.payload.overdueBySeconds !== thresholdSeconds(params)) return null;
    const input = recordInput(event);
    return {
      ...input,
      trigger: { ...(input.trigger as object), overdueBySeconds: thresholdSeconds(params) },
    };
  },
});
