import { Paper, Stack, Switch } from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import { done, fail } from '../console/console-api.ts';
import { NotificationPreferences } from '../feed/notification-preferences.tsx';
import { DatePreferences } from './date-preferences.tsx';
import type { Me } from './profile-api.ts';

type Flag = 'invisible' | 'available';

/** Each switch saves at once; a refused change flips back. */
export function PreferencesForm({ me, onSaved }: { me: Me; onSaved: (me: Me) => void }) {
  const [busy, setBusy] = useState<Flag | null>(null);

  const toggle = async (flag: Flag, value: boolean) => {
    setBusy(flag);
    try {
      const saved = await api<Me>('PATCH', '/me', { [flag]: value });
      onSaved({ ...me, ...saved });
      done('Preferences saved');
    } catch (error) {
      fail(error);
    } finally {
      setBusy(null);
    }
  };

  return (
    <Stack>
      <Paper withBorder p="md">
        <Stack>
          <Switch
            label="Go invisible"
            description="Hide me from who-is-online and from routing that picks only online users."
            checked={me.invisible}
            disabled={busy === 'invisible'}
            onChange={(event) => toggle('invisible', event.currentTarget.checked)}
          />
          <Switch
            label="Available for lead routing"
            description="Lead routing may assign new records to me."
            checked={me.available}
            disabled={busy === 'available'}
            onChange={(event) => toggle('available', event.currentTarget.checked)}
          />
        </Stack>
      </Paper>
      <DatePreferences />
      <NotificationPreferences />
    </Stack>
  );
}
