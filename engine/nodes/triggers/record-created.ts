import type { FromSchema } from 'json-schema-to-ts';
import {
  conditionsParam,
  defineTriggerNode,
  moduleParam,
  recordInput,
  recordTriggerOutput,
} from '../define.ts';

const params = {
  type: 'object',
  properties: { module: moduleParam, conditions: conditionsParam },
  required: ['module'],
  additionalProperties: false,
} as const;

export default defineTriggerNode<FromSchema<typeof params>>({
  type: 'trigger.recordCreated',
  title: 'Record created',
  category: 'Records',
  params,
  output: recordTriggerOutput,
  providesRecord: true,
  events: ['record.created'],
  moduleOf: (params) => params.module,
  match: (event, params) => (event.module === params.module ? recordInput(event) : null),
});
