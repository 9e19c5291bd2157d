/** My unread notifications, newest first, live. */
import { Text } from '@mantine/core';
import { useLive } from '../app/live.ts';
import { usePaged } from '../console/console-api.ts';
import { type Notification, NotificationItem } from '../feed/notification-item.tsx';
import { DashboardCard, Empty } from './dashboard-card.tsx';

export function UnreadNotifications() {
  const { items, error, hasMore, reload } = usePaged<Notification>('/notifications?unread=true&limit=5');
  useLive('notification.created', reload);
  useLive('notification.read', reload);
  useLive('notification.cleared', reload);
  return (
    <DashboardCard
      title="Unread notifications"
      all={['All notifications', '/notifications']}
      loading={items === null}
      error={error}
      onRetry={reload}
      testId="unread-notifications"
    >
      {items?.length === 0 && (
        <Empty>
          You are all caught up. Assignments, comments on your posts and flow notifications appear here.
        </Empty>
      )}
      {items?.map((n) => (
        <NotificationItem key={n.id} notification={n} onChange={reload} />
      ))}
      {hasMore && (
        <Text size="xs" c="dimmed">
          The newest five; the notifications page has them all.
        </Text>
      )}
    </DashboardCard>
  );
}
