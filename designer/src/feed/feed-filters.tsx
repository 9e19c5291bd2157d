/** Filters for the feed: post types and authors. Side by side on a page, stacked in the side panel. */
import { MultiSelect, SimpleGrid } from '@mantine/core';
import { feedPostTypes } from '../../../schemas/feed.ts';
import { type FeedFilters, usePeople } from './feed-api.ts';

export function FeedFilterFields({
  value,
  onChange,
  compact = false,
}: {
  value: FeedFilters;
  onChange: (filters: FeedFilters) => void;
  compact?: boolean;
}) {
  const people = usePeople();
  return (
    <SimpleGrid cols={compact ? 1 : { base: 1, xs: 2 }} spacing="xs">
      <MultiSelect
        label="Types"
        placeholder="Every type"
        data={[...feedPostTypes]}
        value={value.types}
        onChange={(types) => onChange({ ...value, types })}
        size={compact ? 'xs' : 'sm'}
        clearable
      />
      <MultiSelect
        label="People"
        placeholder="Everyone"
        data={people}
        value={value.authors}
        onChange={(authors) => onChange({ ...value, authors })}
        size={compact ? 'xs' : 'sm'}
        searchable
        clearable
      />
    </SimpleGrid>
  );
}
