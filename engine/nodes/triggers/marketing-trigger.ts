import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode, moduleParam, recordInput } from '../define.ts';

/**
 * What came back from a marketing mail or the website (server/marketing/): opens, clicks,
 * unsubscribes, page views. Each trigger listens to one event type and narrows it to a
 * campaign, a newsletter, a template or a URL; `trigger.*` carries what happened.
 */

const idParam = (title: string) => ({ type: 'string', format: 'uuid', title }) as const;
const urlParam = {
  type: 'string',
  minLength: 1,
  maxLength: 2000,
  title: 'Only URLs containing',
  description: 'Compared without regard to case; leave out to accept any URL',
} as const;

const params = {
  type: 'object',
  properties: {
    module: { ...moduleParam, default: 'contacts' },
    campaignId: idParam('Only this campaign'),
    newsletterId: idParam('Only this newsletter'),
    templateId: idParam('Only this template'),
    url: urlParam,
    conditions: conditionsParam,
  },
  required: ['module'],
  additionalProperties: false,
} as const;

type Params = FromSchema<typeof params>;

const output = {
  type: 'object',
  properties: {
    module: { type: 'string' },
    recordId: { type: 'string' },
    eventId: { type: 'integer' },
    messageId: { type: 'string' },
    campaignId: { type: ['string', 'null'] },
    newsletterId: { type: ['string', 'null'] },
    templateId: { type: ['string', 'null'] },
    address: { type: 'string' },
    url: { type: 'string' },
    categories: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
} as const;

type Narrowing = 'campaignId' | 'newsletterId' | 'templateId' | 'url';

export function marketingTrigger(definition: {
  type: string;
  title: string;
  description: string;
  event: 'email.opened' | 'email.clicked' | 'email.unsubscribed' | 'web.activity';
  /** campaign: only campaign mail; newsletter: only newsletter mail; any: every mail. */
  source: 'campaign' | 'newsletter' | 'any';
  narrowing: readonly Narrowing[];
}) {
  const allowed = new Set<string>(['module', 'conditions', ...definition.narrowing]);
  const own = {
    ...params,
    properties: Object.fromEntries(Object.entries(params.properties).filter(([key]) => allowed.has(key))),
  };
  return defineTriggerNode<Params>({
    type: definition.type,
    title: definition.title,
    category: 'Marketing',
    description: `${definition.description} \`record\` holds the record as it is when the flow starts.`,
    params: own,
    output,
    providesRecord: true,
    events: [definition.event],
    moduleOf: (p) => p.module,
    match: (event, p) => {
      const payload = event.payload as Record<string, unknown>;
      if (event.module !== p.module || !event.recordId) return null;
      if (definition.source === 'campaign' && !payload.campaignId) return null;
      if (definition.source === 'newsletter' && !payload.newsletterId) return null;
      if (p.campaignId && payload.campaignId !== p.campaignId) return null;
      if (p.newsletterId && payload.newsletterId !== p.newsletterId) return null;
      if (p.templateId && payload.templateId !== p.templateId) return null;
      if (
        p.url &&
        !String(payload.url ?? '')
          .toLowerCase()
          .includes(p.url.toLowerCase())
      )
        return null;
      const input = recordInput(event);
      const extra = Object.fromEntries(
        ['messageId', 'campaignId', 'newsletterId', 'templateId', 'address', 'url', 'categories']
          .filter((key) => payload[key] !== undefined)
          .map((key) => [key, payload[key]]),
      );
      return { ...input, trigger: { ...(input.trigger as object), ...extra } };
    },
  });
}
