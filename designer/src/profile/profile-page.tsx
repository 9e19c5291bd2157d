/** "My profile": the user menu's Profile and Preferences entries, one tab each, plus Security. */
import { Alert, Center, Loader, Paper, SimpleGrid, Stack, Tabs, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, type User } from '../api.ts';
import { MyTasks } from '../dashboard/my-tasks.tsx';
import { ActivityFeed } from '../feed/activity-feed.tsx';
import { navigate, type Route } from '../router.ts';
import { LoginLocations } from './login-locations.tsx';
import { PasswordForm } from './password-form.tsx';
import { PreferencesForm } from './preferences-form.tsx';
import type { Me } from './profile-api.ts';
import { ProfileForm } from './profile-form.tsx';
import { SecurityPanel } from './security-panel.tsx';

type ProfileTab = Extract<Route, { name: 'profile' }>['tab'];

export function ProfilePage({ tab, onUserChange }: { tab: ProfileTab; onUserChange: (user: User) => void }) {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api<Me>('GET', '/me').then(setMe, (reason: Error) => setError(reason.message));
  }, []);

  const changed = (next: Me) => {
    setMe(next);
    onUserChange(next);
  };

  return (
    <Stack p="lg" gap="md" style={{ overflow: 'auto' }} maw={1280}>
      <Title order={3}>My profile</Title>
      {error && (
        <Alert color="red" title="Could not load your profile">
          {error}
        </Alert>
      )}
      {!me && !error && (
        <Center p="xl">
          <Loader />
        </Center>
      )}
      {me && (
        <Tabs
          value={tab}
          onChange={(value) => navigate(value === 'profile' ? '/profile' : `/profile/${value}`)}
        >
          <Tabs.List>
            <Tabs.Tab value="profile">Profile</Tabs.Tab>
            <Tabs.Tab value="preferences">Preferences</Tabs.Tab>
            <Tabs.Tab value="security">Security</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="profile" pt="md">
            {/* The seed guide's snapshot: contact details (editable), my open tasks, where I sign in, my own feed. */}
            <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
              <Stack gap="lg">
                <ProfileForm me={me} onSaved={changed} />
                <MyTasks />
                <LoginLocations />
                <PasswordForm />
              </Stack>
              <Paper withBorder p="md" data-testid="profile-feed">
                <Title order={5} mb="sm">
                  My activity
                </Title>
                <ActivityFeed userId={me.id} postBox={false} limit={15} compact />
              </Paper>
            </SimpleGrid>
          </Tabs.Panel>
          <Tabs.Panel value="preferences" pt="md">
            <PreferencesForm me={me} onSaved={changed} />
          </Tabs.Panel>
          <Tabs.Panel value="security" pt="md">
            {tab === 'security' && <SecurityPanel />}
          </Tabs.Panel>
        </Tabs>
      )}
    </Stack>
  );
}
