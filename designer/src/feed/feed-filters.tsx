/** Filters for the feed: post types, people, module and dates. Side by side on a page, stacked in the side panel. */
import { MultiSelect, Select, SimpleGrid, TextInput } from '@mantine/core';
import { feedPostTypes } from '../../../schemas/feed.ts';
import { useModules } from '../console/console-api.ts';
import { type FeedFilters, usePeople } from './feed-api.ts';
import { postTypeLabel } from './post-types.ts';

const typeOptions = feedPostTypes.map((type) => ({ value: type, label: postTypeLabel(type) }));

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
  const modules = (useModules() ?? []).map((module) => ({ value: module.name, label: module.label }));
  const size = compact ? 'xs' : 'sm';
  return (
    <SimpleGrid cols={compact ? 1 : { base: 1, xs: 2 }} spacing="xs">
      <MultiSelect
        label="Types"
        placeholder="Every type"
        data={typeOptions}
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
      <Select
        label="Module"
        placeholder="Every module"
        data={modules}
        value={value.module || null}
        onChange={(module) => onChange({ ...value, module: module ?? '' })}
        size={size}
        searchable
        clearable
      />
      <SimpleGrid cols={2} spacing="xs">
        <TextInput
          type="date"
          label="From"
          value={value.from}
          max={value.to || undefined}
          onChange={(event) => onChange({ ...value, from: event.currentTarget.value })}
          size={size}
        />
        <TextInput
          type="date"
          label="To"
          value={value.to}
          min={value.from || undefined}
          onChange={(event) => onChange({ ...value, to: event.currentTarget.value })}
          size={size}
        />
      </SimpleGrid>
    </SimpleGrid>
  );
}
