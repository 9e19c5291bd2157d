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
  type: 'trigger.recordDeleted',
  title: 'Record deleted',
  category: 'Records',
  description: '`record` holds the values the record had when it was deleted.',
  params,
  output: recordTriggerOutput,
  providesRecord: true,
  events: ['record.deleted'],
  moduleOf: (params) => params.module,
  match: (event, params) => (event.module === params.module ? recordInput(event) : null),
});
