import type { FromSchema } from 'json-schema-to-ts';
import { defineTriggerNode, moduleTriggerParams, recordInput, recordTriggerOutput } from '../define.ts';

const params = moduleTriggerParams;

/** A user opened one record (GET of the record); `user` is the viewer. */
export default defineTriggerNode<FromSchema<typeof params>>({
  type: 'trigger.recordViewed',
  title: 'Record viewed',
  category: 'Records',
  description: '`record` holds the record as it is when the flow starts.',
  params,
  output: recordTriggerOutput,
  providesRecord: true,
  events: ['record.viewed'],
  moduleOf: (params) => params.module,
  match: (event, params) => (event.module === params.module ? recordInput(event) : null),
});
