import { marketingTrigger } from './marketing-trigger.ts';

/** X2CRM WebActivityTrigger: a recognised visitor viewed a page of the website. */
export default marketingTrigger({
  type: 'trigger.webActivity',
  title: 'Contact web activity',
  description:
    'A visitor recognised as a record (tracked link or web form) viewed a page; `trigger.url` is the page.',
  event: 'web.activity',
  source: 'any',
  narrowing: ['url'],
});
