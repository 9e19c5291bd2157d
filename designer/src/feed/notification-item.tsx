/** One notification: opening it marks it read and goes to its record; Clear removes it. */
import { Badge, Button, Group, Paper, Text, UnstyledButton } from '@mantine/core';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { fail } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { notificationTypeLabel } from './post-types.ts';

export interface Notification {
  id: string;
  type: string;
  text: string;
  module: string | null;
  recordId: string | null;
  read: boolean;
  createdAt: string;
}

export function NotificationItem({
  notification: n,
  onChange,
}: {
  notification: Notification;
  onChange: () => void;
}) {
  const open = async () => {
    if (!n.read) await api('POST', `/notifications/${n.id}/read`).catch(fail);
    if (n.module && n.recordId) navigate(`/records/${n.module}/${n.recordId}`);
    else onChange();
  };
  const clear = () => api('DELETE', `/notifications/${n.id}`).then(onChange, fail);
  return (
    <Paper withBorder p="sm" bg={n.read ? undefined : 'indigo.0'} data-testid="notification">
      <Group justify="space-between" wrap="nowrap">
        <UnstyledButton style={{ flex: 1, minWidth: 0 }} onClick={open}>
          <Group gap={6}>
            <Badge size="xs" variant="light" tt="none">
              {notificationTypeLabel(n.type)}
            </Badge>
            <Text size="xs" c="dimmed">
              {formatDateTime(n.createdAt)}
            </Text>
          </Group>
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {n.text}
          </Text>
        </UnstyledButton>
        <Button
          size="compact-xs"
          variant="subtle"
          color="gray"
          onClick={clear}
          aria-label={`Clear notification: ${n.text}`}
        >
          Clear
        </Button>
      </Group>
    </Paper>
  );
}
