/** The activity feed page: post, comment, pin (admins), filter by people and types; new posts arrive live. */
import { Stack, Title } from '@mantine/core';
import { ActivityFeed } from './activity-feed.tsx';

export function FeedPage(_props: { rest: string[] }) {
  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Stack gap="sm" maw={820} w="100%">
        <Title order={3}>Activity</Title>
        <ActivityFeed />
      </Stack>
    </Stack>
  );
}
