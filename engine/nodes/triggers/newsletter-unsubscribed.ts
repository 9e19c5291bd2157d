import { marketingTrigger } from './marketing-trigger.ts';

/** X2CRM's newsletter unsubscribe (NewsletterUnsubscribeTrigger). */
export default marketingTrigger({
  type: 'trigger.newsletterUnsubscribed',
  title: 'Unsubscribed from a newsletter',
  description: "A recipient used a newsletter email's unsubscribe link.",
  event: 'email.unsubscribed',
  source: 'newsletter',
  narrowing: ['newsletterId'],
});
