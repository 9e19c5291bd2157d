import type { FromSchema } from 'json-schema-to-ts';
import { defineTriggerNode, moduleTriggerParams, recordTriggerOutput } from '../define.ts';

const params = moduleTriggerParams;

/** X2CRM's "macro": run by hand on one record or a selection, through the API. */
export default defineTriggerNode<FromSchema<typeof params>>({
  type: 'trigger.manual',
  title: 'Run by hand',
  category: 'Manual',
  params,
  output: recordTriggerOutput,
  providesRecord: true,
  events: [],
  moduleOf: (params) => params.module,
  match: () => null,
});
