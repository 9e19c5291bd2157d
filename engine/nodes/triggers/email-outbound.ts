import type { FromSchema } from 'json-schema-to-ts';
import { defineTriggerNode, recordInput } from '../define.ts';
import { emailMatches, emailTriggerOutput, emailTriggerParams } from './email-filters.ts';

/**
 * Weft sent an email about a record (X2CRM's OutboundEmailTrigger): queued in the outbox by
 * a flow, a web form's auto-response or a user; the run's record is the record it was about.
 */
export default defineTriggerNode<FromSchema<typeof emailTriggerParams>>({
  type: 'trigger.emailOutbound',
  title: 'Outbound email',
  category: 'Connectors',
  description:
    'Weft sent an email about a record (a flow, a web form’s auto-response, a user); filter on from, to, subject and body.',
  params: emailTriggerParams,
  output: emailTriggerOutput,
  providesRecord: true,
  events: ['email.outbound'],
  moduleOf: (params) => params.module ?? null,
  match: (event, params) => {
    if (!emailMatches(event, params)) return null;
    const input = recordInput(event);
    const { messageId, from, to, cc, subject, body } = event.payload;
    return { ...input, trigger: { ...(input.trigger as object), messageId, from, to, cc, subject, body } };
  },
});
