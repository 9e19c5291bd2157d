import type { FromSchema } from 'json-schema-to-ts';
import { defineTriggerNode, recordInput } from '../define.ts';
import { emailMatches, emailTriggerOutput, emailTriggerParams } from './email-filters.ts';

/**
 * An email was captured and logged on a record (X2CRM's InboundEmailTrigger): by the SMTP
 * listener or an IMAP mailbox, through the dropbox or a support address. The run's record is
 * the contact (or case) it was logged on.
 */
export default defineTriggerNode<FromSchema<typeof emailTriggerParams>>({
  type: 'trigger.emailInbound',
  title: 'Inbound email',
  category: 'Connectors',
  description: 'An email was captured and logged on a record; filter on from, to, subject and body.',
  params: emailTriggerParams,
  output: emailTriggerOutput,
  providesRecord: true,
  events: ['email.inbound'],
  moduleOf: (params) => params.module ?? null,
  match: (event, params) => {
    if (!emailMatches(event, params)) return null;
    const input = recordInput(event);
    const { messageId, from, to, cc, subject, body } = event.payload;
    return { ...input, trigger: { ...(input.trigger as object), messageId, from, to, cc, subject, body } };
  },
});
