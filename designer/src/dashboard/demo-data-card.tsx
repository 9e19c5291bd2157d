/**
 * On a new install's Home (administrators, no contacts, accounts or opportunities yet): load
 * a small demo data set to try flows on. Gone once there are records.
 */
import { Alert, Button, Group, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { AppLink } from '../app/app-link.tsx';

interface Count {
  count: number;
}

export function DemoDataCard() {
  const [empty, setEmpty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [loaded, setLoaded] = useState<{ accounts: number; contacts: number; opportunities: number } | null>(
    null,
  );
  useEffect(() => {
    Promise.all(
      ['contacts', 'accounts', 'opportunities'].map((module) =>
        api<Count>('GET', `/records/${module}/count`).then((answer) => answer.count),
      ),
    ).then(
      (counts) => setEmpty(counts.every((count) => count === 0)),
      () => setEmpty(false),
    );
  }, []);
  if (loaded)
    return (
      <Alert color="teal" title="Demo data loaded" data-testid="demo-data-loaded">
        <Text size="sm">
          {loaded.accounts} accounts, {loaded.contacts} contacts and {loaded.opportunities} opportunities.{' '}
          <AppLink to="/records/contacts">See the contacts</AppLink> or{' '}
          <AppLink to="/flows">build a flow</AppLink> to run on them.
        </Text>
      </Alert>
    );
  if (!empty) return null;
  const load = async () => {
    setBusy(true);
    try {
      setLoaded(await api('POST', '/demo-data'));
    } catch (error) {
      notifications.show({ color: 'red', message: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Alert color="indigo" title="A new Weft" data-testid="demo-data">
      <Text size="sm">
        There are no contacts, accounts or opportunities yet. Load a small demo set to try flows on; it is
        ordinary data you can edit or delete.
      </Text>
      <Group mt="xs">
        <Button size="xs" onClick={load} loading={busy}>
          Load demo data
        </Button>
      </Group>
    </Alert>
  );
}
