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
