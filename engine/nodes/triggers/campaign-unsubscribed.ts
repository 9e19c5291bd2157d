import { marketingTrigger } from './marketing-trigger.ts';

/** X2CRM CampaignUnsubscribeTrigger. */
export default marketingTrigger({
  type: 'trigger.campaignUnsubscribed',
  title: 'Unsubscribed from a campaign email',
  description:
    "A recipient used a campaign email's unsubscribe link; `trigger.categories` says from what ('*': all).",
  event: 'email.unsubscribed',
  source: 'campaign',
  narrowing: ['campaignId'],
});
