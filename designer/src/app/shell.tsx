import {
  ActionIcon,
  AppShell,
  Avatar,
  Group,
  Indicator,
  Menu,
  NavLink,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import type { ReactNode } from 'react';
import type { User } from '../api.ts';
import { ConsoleNav } from '../console/console-nav.tsx';
import { navigate, routeOf, usePath } from '../router.ts';
import { useUnreadCount } from './live.ts';

function Bell() {
  const unread = useUnreadCount();
  return (
    <Tooltip label={`${unread ?? 0} unread notifications`}>
      <Indicator
        disabled={!unread}
        label={unread ?? 0}
        size={16}
        color="red"
        data-testid="unread-count"
        data-count={unread ?? 'offline'}
      >
        <ActionIcon
          variant="subtle"
          color="gray"
          size="lg"
          aria-label="Notifications"
          onClick={() => navigate('/notifications')}
        >
          <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
            <title>Notifications</title>
            <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9M13.7 21a2 2 0 0 1-3.4 0" />
          </svg>
        </ActionIcon>
      </Indicator>
    </Tooltip>
  );
}

export function Shell({
  user,
  onSignOut,
  children,
}: {
  user: User;
  onSignOut: () => void;
  children: ReactNode;
}) {
  const path = usePath();
  const initials = `${user.firstName[0] ?? ''}${user.lastName[0] ?? ''}`.toUpperCase() || user.username[0];
  return (
    <AppShell header={{ height: 52 }} navbar={{ width: 180, breakpoint: 'sm' }} padding={0}>
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between">
          <Title order={4} c="indigo.7" style={{ cursor: 'pointer' }} onClick={() => navigate('/')}>
            Weft
          </Title>
          <Group gap="sm">
            <Bell />
            <Menu position="bottom-end" withArrow>
              <Menu.Target>
                <Avatar component="button" color="indigo" radius="xl" size={32} aria-label="User menu">
                  {initials}
                </Avatar>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>
                  {user.firstName} {user.lastName}
                  <Text size="xs" c="dimmed">
                    @{user.username}
                  </Text>
                </Menu.Label>
                <Menu.Item onClick={() => navigate('/profile')}>Profile</Menu.Item>
                <Menu.Item onClick={() => navigate('/profile/preferences')}>Preferences</Menu.Item>
                <Menu.Divider />
                <Menu.Item onClick={onSignOut}>Sign out</Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {user.isAdmin && (
          <NavLink
            label="Flows"
            active={['flows', 'flow'].includes(routeOf(path).name)}
            onClick={() => navigate('/flows')}
          />
        )}
        <ConsoleNav user={user} />
      </AppShell.Navbar>
      <AppShell.Main style={{ height: '100vh', display: 'flex', flexDirection: 'column' }}>
        {children}
      </AppShell.Main>
    </AppShell>
  );
}
