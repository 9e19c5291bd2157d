import type { FromSchema } from 'json-schema-to-ts';
import {
  conditionsParam,
  defineTriggerNode,
  moduleParam,
  recordInput,
  recordTriggerOutput,
} from '../define.ts';

const value = { description: 'Compared as text; leave out to accept any value' } as const;

const params = {
  type: 'object',
  properties: {
    module: moduleParam,
    conditions: conditionsParam,
    field: { type: 'string', minLength: 1, title: 'Only when this field changed', 'x-weft-ref': 'field' },
    from: { ...value, title: 'From' },
    to: { ...value, title: 'To' },
  },
  required: ['module'],
  additionalProperties: false,
} as const;

/**
 * X2CRM's "record updated" with its "field changed" condition: optionally only when a
 * given field changed, from and to given values.
 */
export default defineTriggerNode<FromSchema<typeof params>>({
  type: 'trigger.recordUpdated',
  title: 'Record updated',
  category: 'Records',
  params,
  output: recordTriggerOutput,
  providesRecord: true,
  events: ['record.updated'],
  moduleOf: (params) => params.module,
  match: (event, params) => {
    if (event.module !== params.module) return null;
    const changed = (event.payload.changed ?? []) as string[];
    const previous = (event.payload.previous ?? {}) as Record<string, unknown>;
    const record = (event.payload.record ?? {}) as Record<string, unknown>;
    if (params.field !== undefined) {
      if (!changed.includes(params.field)) return null;
      const same = (a: unknown, b: unknown) => String(a ?? '') === String(b ?? '');
      if (params.from !== undefined && !same(previous[params.field], params.from)) return null;
      if (params.to !== undefined && !same(record[params.field], params.to)) return null;
    }
    return recordInput(event, { ...record, ...previous });
  },
});
