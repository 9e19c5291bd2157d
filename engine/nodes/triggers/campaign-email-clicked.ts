import { marketingTrigger } from './marketing-trigger.ts';

/** X2CRM CampaignEmailClickTrigger, with its URL filter. */
export default marketingTrigger({
  type: 'trigger.campaignEmailClicked',
  title: 'Campaign email link clicked',
  description: 'The first click of each link of a campaign email; `trigger.url` is the link.',
  event: 'email.clicked',
  source: 'campaign',
  narrowing: ['campaignId', 'url'],
});
