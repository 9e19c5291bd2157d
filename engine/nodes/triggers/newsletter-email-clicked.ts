import { marketingTrigger } from './marketing-trigger.ts';

/** X2CRM NewsletterEmailClickTrigger, with its URL filter. */
export default marketingTrigger({
  type: 'trigger.newsletterEmailClicked',
  title: 'Newsletter email link clicked',
  description: 'The first click of each link of a newsletter email; `trigger.url` is the link.',
  event: 'email.clicked',
  source: 'newsletter',
  narrowing: ['newsletterId', 'url'],
});
