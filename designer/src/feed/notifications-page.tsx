/** My notifications: open one (marks it read), clear one, mark all read, clear all; new ones arrive live. */
import { Badge, Button, Group, Paper, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { api } from '../api.ts';
import { useLive } from '../app/live.ts';
import { done, fail, usePaged } from '../console/console-api.ts';
import { navigate } from '../router.ts';

interface Notification {
  id: string;
  type: string;
  text: string;
  module: string | null;
  recordId: string | null;
  read: boolean;
  createdAt: string;
}

export function NotificationsPage(_props: { rest: string[] }) {
  const { items, hasMore, more, reload } = usePaged<Notification>('/notifications?limit=50');
  useLive('notification.created', reload);

  const open = async (n: Notification) => {
    if (!n.read) await api('POST', `/notifications/${n.id}/read`).catch(fail);
    if (n.module && n.recordId) navigate(`/records/${n.module}/${n.recordId}`);
    else reload();
  };
  const clear = (n: Notification) => api('DELETE', `/notifications/${n.id}`).then(reload, fail);
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
        <Paper key={n.id} withBorder p="sm" bg={n.read ? undefined : 'indigo.0'} data-testid="notification">
          <Group justify="space-between" wrap="nowrap">
            <UnstyledButton style={{ flex: 1 }} onClick={() => open(n)}>
              <Group gap={6}>
                <Badge size="xs" variant="light">
                  {n.type}
                </Badge>
                <Text size="xs" c="dimmed">
                  {new Date(n.createdAt).toLocaleString()}
                </Text>
              </Group>
              <Text size="sm">{n.text}</Text>
            </UnstyledButton>
            <Button size="compact-xs" variant="subtle" color="gray" onClick={() => clear(n)}>
              Clear
            </Button>
          </Group>
        </Paper>
      ))}
      {hasMore && (
        <Button variant="default" onClick={more}>
          Load more
        </Button>
      )}
    </Stack>
  );
}
