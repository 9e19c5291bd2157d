import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode, recordInput, recordTriggerOutput } from '../define.ts';

const params = {
  type: 'object',
  properties: {
    module: { const: 'tasks', default: 'tasks', title: 'Module', description: 'Always tasks' },
    conditions: conditionsParam,
  },
  additionalProperties: false,
} as const;

/** X2CRM's "action marked incomplete": a task updated with `complete` turned from true to false. */
export default defineTriggerNode<FromSchema<typeof params>>({
  type: 'trigger.taskUncompleted',
  title: 'Task marked incomplete',
  category: 'Tasks',
  params,
  output: recordTriggerOutput,
  providesRecord: true,
  events: ['record.updated'],
  moduleOf: () => 'tasks',
  match: (event) => {
    if (event.module !== 'tasks') return null;
    const changed = (event.payload.changed ?? []) as string[];
    const record = (event.payload.record ?? {}) as Record<string, unknown>;
    const previous = (event.payload.previous ?? {}) as Record<string, unknown>;
    if (!changed.includes('complete') || record.complete === true) return null;
    return recordInput(event, { ...record, ...previous });
  },
});
