/**
 * Who is online (`GET /api/presence`: signed in and not invisible). The live channel pushes no
 * presence message, so the panel reads it again every 30 s while visible and when it comes back.
 */
import { Badge, Group } from '@mantine/core';
import { usePaged } from '../console/console-api.ts';
import { DashboardCard, Empty } from './dashboard-card.tsx';
import { useRefreshWhileVisible } from './use-refresh.ts';

interface OnlineUser {
  id: string;
  username: string;
  firstName: string;
  lastName: string;
}

export function OnlineUsers() {
  const { items, error, reload } = usePaged<OnlineUser>('/presence');
  useRefreshWhileVisible(reload, 30_000);
  return (
    <DashboardCard
      title="Online now"
      loading={items === null}
      error={error}
      onRetry={reload}
      testId="online-users"
    >
      {items?.length === 0 && <Empty>Nobody is online (invisible users are not shown).</Empty>}
      <Group gap={6}>
        {items?.map((user) => (
          <Badge key={user.id} variant="dot" color="green" size="lg" tt="none" title={`@${user.username}`}>
            {`${user.firstName} ${user.lastName}`.trim() || user.username}
          </Badge>
        ))}
      </Group>
    </DashboardCard>
  );
}
