import { marketingTrigger } from './marketing-trigger.ts';

/** X2CRM CampaignEmailOpenTrigger. */
export default marketingTrigger({
  type: 'trigger.campaignEmailOpened',
  title: 'Campaign email opened',
  description: 'The first open of a campaign email.',
  event: 'email.opened',
  source: 'campaign',
  narrowing: ['campaignId'],
});
