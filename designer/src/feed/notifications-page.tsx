/** My notifications: open one (marks it read), clear one, mark all read, clear all; new ones arrive live. */
import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { api } from '../api.ts';
import { useLive } from '../app/live.ts';
import { done, fail, usePaged } from '../console/console-api.ts';
import { type Notification, NotificationItem } from './notification-item.tsx';

export function NotificationsPage(_props: { rest: string[] }) {
  const { items, hasMore, more, reload } = usePaged<Notification>('/notifications?limit=50');
  useLive('notification.created', reload);

  const clearAll = () =>
    window.confirm('Clear every notification?') &&
    api('DELETE', '/notifications').then(() => {
      done('Notifications cleared');
      reload();
    }, fail);
  const readAll = () => api('POST', '/notifications/read-all').then(reload, fail);

  return (
    <Stack p="md" gap="sm" maw={820} style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Group justify="space-between">
        <Title order={3}>Notifications</Title>
        <Group gap="xs">
          <Button variant="default" size="xs" onClick={readAll} disabled={!items?.some((n) => !n.read)}>
            Mark all read
          </Button>
          <Button variant="light" color="red" size="xs" onClick={clearAll} disabled={!items?.length}>
            Clear all
          </Button>
        </Group>
      </Group>
      {items?.length === 0 && (
        <Text c="dimmed" data-testid="no-notifications">
          You are all caught up. Assignments, mentions, comments on your posts and flow notifications appear
          here.
        </Text>
      )}
      {items?.map((n) => (
        <NotificationItem key={n.id} notification={n} onChange={reload} />
      ))}
      {hasMore && (
        <Button variant="default" onClick={more}>
          Load more
        </Button>
      )}
    </Stack>
  );
}
