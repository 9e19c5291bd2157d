import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode, moduleParam, recordInput } from '../define.ts';

const params = {
  type: 'object',
  properties: {
    module: { ...moduleParam, default: 'contacts', description: 'The module of recognised visitors' },
    url: {
      type: 'string',
      minLength: 1,
      maxLength: 2000,
      title: 'Only pages whose URL contains',
      description: 'Compared without regard to case; leave out for every page',
    },
    conditions: conditionsParam,
  },
  required: ['module'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    requestId: { type: 'string', description: 'Answer it with "Push web content"' },
    url: { type: 'string' },
    module: { type: ['string', 'null'] },
    recordId: { type: ['string', 'null'] },
    eventId: { type: 'integer' },
  },
  required: ['requestId'],
  additionalProperties: false,
} as const;

/**
 * X2CRM TargetedContentRequestTrigger: the web tracker asks for a block of content for
 * the visitor on a page. `record` is the visitor's record when recognised, else empty;
 * a "Push web content" step answers within the timeout, else the page shows its default.
 */
export default defineTriggerNode<FromSchema<typeof params>>({
  type: 'trigger.targetedContentRequested',
  title: 'Targeted content requested',
  category: 'Marketing',
  params,
  output,
  providesRecord: true,
  events: ['web.contentRequested'],
  // Anonymous visitors have no module: every flow of this trigger hears every request.
  moduleOf: () => null,
  match: (event, p) => {
    const url = String(event.payload.url ?? '');
    if (event.module !== null && event.module !== p.module) return null;
    if (p.url && !url.toLowerCase().includes(p.url.toLowerCase())) return null;
    const input = recordInput(event);
    return { ...input, trigger: { ...(input.trigger as object), requestId: event.payload.requestId, url } };
  },
});
