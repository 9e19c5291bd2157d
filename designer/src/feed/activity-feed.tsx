/**
 * The activity feed as the feed page, the dashboard and the side panel show it: a post box,
 * filters by type and people, posts with their comments, live; `compact` for the side panel.
 */
import { Alert, Button, Collapse, Group, Stack, Text } from '@mantine/core';
import { type Ref, useId, useState } from 'react';
import { type FeedFilters, filterCount, noFilters, useFeed } from './feed-api.ts';
import { FeedFilterFields } from './feed-filters.tsx';
import { PostBox } from './post-box.tsx';
import { PostCard } from './post-card.tsx';

export function ActivityFeed({
  compact = false,
  limit = 30,
  postRef,
  userId,
  postBox = true,
}: {
  compact?: boolean;
  limit?: number;
  postRef?: Ref<HTMLTextAreaElement>;
  /** One user's own feed: the posts they wrote or that are on their feed (a profile). */
  userId?: string;
  postBox?: boolean;
}) {
  const [filters, setFilters] = useState<FeedFilters>(noFilters);
  const [showFilters, setShowFilters] = useState(false);
  const filtersId = useId();
  const { items, error, hasMore, more, reload } = useFeed(filters, limit, userId);
  const filtered = filterCount(filters);

  const filterFields = <FeedFilterFields value={filters} onChange={setFilters} compact={compact} />;
  return (
    <Stack gap="sm">
      {postBox && <PostBox onPosted={reload} compact={compact} inputRef={postRef} />}
      {compact ? (
        <>
          <Group justify="space-between">
            <Button
              size="compact-xs"
              variant="subtle"
              aria-expanded={showFilters}
              aria-controls={filtersId}
              onClick={() => setShowFilters((shown) => !shown)}
            >
              {filtered ? `Filters (${filtered})` : 'Filters'}
            </Button>
            {filtered > 0 && (
              <Button size="compact-xs" variant="subtle" color="gray" onClick={() => setFilters(noFilters)}>
                Clear filters
              </Button>
            )}
          </Group>
          <Collapse in={showFilters} id={filtersId}>
            {showFilters && filterFields}
          </Collapse>
        </>
      ) : (
        filterFields
      )}
      {error && (
        <Alert color="red" title="The feed did not load">
          <Text size="sm">{error}</Text>
          <Button size="xs" variant="light" color="red" mt="xs" onClick={reload}>
            Try again
          </Button>
        </Alert>
      )}
      {items?.length === 0 && (
        <Text c="dimmed" size="sm" data-testid="feed-empty">
          {filtered
            ? 'Nothing matches these filters: clear them to see everything.'
            : 'Nothing here yet. Write the first post above; flow posts and record events appear here as they happen.'}
        </Text>
      )}
      <Stack gap="xs" data-testid="feed" data-state={items === null ? 'loading' : 'ready'}>
        {items?.map((post) => (
          <PostCard key={post.id} post={post} onChange={reload} compact={compact} />
        ))}
      </Stack>
      {hasMore && (
        <Button variant="default" size={compact ? 'xs' : 'sm'} onClick={more}>
          Load more
        </Button>
      )}
    </Stack>
  );
}
