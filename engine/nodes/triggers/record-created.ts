import type { FromSchema } from 'json-schema-to-ts';
import { defineTriggerNode, moduleTriggerParams, recordInput, recordTriggerOutput } from '../define.ts';

const params = moduleTriggerParams;

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
