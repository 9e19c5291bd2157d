import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode, moduleParam, recordInput } from '../define.ts';

const params = {
  type: 'object',
  properties: {
    module: moduleParam,
    tag: {
      type: 'string',
      minLength: 1,
      title: 'Only this tag',
      description: 'Compared without regard to case; leave out to accept any tag',
    },
    conditions: conditionsParam,
  },
  required: ['module'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    module: { type: 'string' },
    recordId: { type: 'string' },
    eventId: { type: 'integer' },
    tag: { type: 'string' },
  },
  additionalProperties: false,
} as const;

/** Tag added and tag removed differ only in the event they listen to. */
export function tagTrigger(type: string, title: string, event: 'tag.added' | 'tag.removed') {
  return defineTriggerNode<FromSchema<typeof params>>({
    type,
    title,
    category: 'Tags',
    description: '`record` holds the record as it is when the flow starts; `trigger.tag` the tag.',
    params,
    output,
    providesRecord: true,
    events: [event],
    moduleOf: (params) => params.module,
    match: (event, params) => {
      const tag = String(event.payload.tag ?? '');
      if (event.module !== params.module) return null;
      if (params.tag !== undefined && tag.toLowerCase() !== params.tag.toLowerCase()) return null;
      const input = recordInput(event);
      return { ...input, trigger: { ...(input.trigger as object), tag } };
    },
  });
}
