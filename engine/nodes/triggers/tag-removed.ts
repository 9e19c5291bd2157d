import { tagTrigger } from './tag-trigger.ts';

export default tagTrigger('trigger.tagRemoved', 'Tag removed', 'tag.removed');
