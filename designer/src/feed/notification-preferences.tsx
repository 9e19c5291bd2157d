/** My notification choices: copies on my activity feed, and being told when a record is assigned to me. */
import { Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { done, fail } from '../console/console-api.ts';

interface Preferences {
  postToFeed: boolean;
  assignments: boolean;
}

export function NotificationPreferences() {
  const [preferences, setPreferences] = useState<Preferences | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<Preferences>('GET', '/notifications/preferences').then(setPreferences, fail);
  }, []);

  const change = async (patch: Partial<Preferences>) => {
    setBusy(true);
    try {
      setPreferences(await api<Preferences>('PATCH', '/notifications/preferences', patch));
      done('Notification preferences saved');
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md" data-testid="notification-preferences">
      <Title order={5} mb="sm">
        Notifications
      </Title>
      {!preferences ? (
        <Text size="sm" c="dimmed">
          Loading…
        </Text>
      ) : (
        <Stack>
          <Switch
            label="Notify me when a record is assigned to me"
            description="By a person, an import, lead routing or a flow; never for what I assign myself."
            checked={preferences.assignments}
            disabled={busy}
            onChange={(event) => change({ assignments: event.currentTarget.checked })}
          />
          <Switch
            label="Also post my notifications on my activity feed"
            description="Privately: only I (and administrators) see them there. Clearing a notification keeps its post."
            checked={preferences.postToFeed}
            disabled={busy}
            onChange={(event) => change({ postToFeed: event.currentTarget.checked })}
          />
        </Stack>
      )}
    </Paper>
  );
}
