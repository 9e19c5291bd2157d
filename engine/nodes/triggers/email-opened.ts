import { marketingTrigger } from './marketing-trigger.ts';

/** X2CRM EmailOpenTrigger: any marketing email logged on a record was opened (first open). */
export default marketingTrigger({
  type: 'trigger.emailOpened',
  title: 'Email opened',
  description: 'The first open of an email sent about a record (campaign, newsletter or templated).',
  event: 'email.opened',
  source: 'any',
  narrowing: ['templateId'],
});
