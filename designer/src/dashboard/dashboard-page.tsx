/**
 * Home, where the app lands after sign-in: my open tasks, unread notifications, for
 * administrators the latest failed runs, who is online, and the activity feed. Laid out by the width the
 * page actually has (a container grid), so it stacks beside the open feed panel too.
 */
import { Grid, Stack, Title } from '@mantine/core';
import { can } from '../api.ts';
import { useCurrentUser } from '../app/current-user.ts';
import { ActivityFeed } from '../feed/activity-feed.tsx';
import { DemoDataCard } from './demo-data-card.tsx';
import { FailedRuns } from './failed-runs.tsx';
import { MyTasks } from './my-tasks.tsx';
import { OnlineUsers } from './online-users.tsx';
import { UnreadNotifications } from './unread-notifications.tsx';

export function DashboardPage() {
  const me = useCurrentUser();
  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }} data-testid="dashboard">
      <Title order={3}>Welcome, {me.firstName || me.username}</Title>
      {me.isAdmin && <DemoDataCard />}
      <Grid
        type="container"
        breakpoints={{ xs: '500px', sm: '640px', md: '820px', lg: '1000px', xl: '1200px' }}
      >
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="sm">
            {can(me, 'tasks', 'view') && <MyTasks />}
            <UnreadNotifications />
            {me.isAdmin && <FailedRuns />}
            <OnlineUsers />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <section aria-label="Activity">
            <Title order={4} mb="xs">
              Activity
            </Title>
            <ActivityFeed limit={20} />
          </section>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
