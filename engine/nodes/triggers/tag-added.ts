import { tagTrigger } from './tag-trigger.ts';

export default tagTrigger('trigger.tagAdded', 'Tag added', 'tag.added');
