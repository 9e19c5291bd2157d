import { marketingTrigger } from './marketing-trigger.ts';

/** X2CRM CampaignWebActivityTrigger: web activity of a visitor who came through a campaign's link. */
export default marketingTrigger({
  type: 'trigger.campaignWebActivity',
  title: 'Campaign web activity',
  description: 'A visitor who arrived through a campaign email viewed a page; `trigger.url` is the page.',
  event: 'web.activity',
  source: 'campaign',
  narrowing: ['campaignId', 'url'],
});
