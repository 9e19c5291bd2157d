import type { FromSchema } from 'json-schema-to-ts';
import { defineTriggerNode, moduleTriggerParams, recordInput, recordTriggerOutput } from '../define.ts';

const params = moduleTriggerParams;

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
