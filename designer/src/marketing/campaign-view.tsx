/**
 * One campaign: what launching found, a progress bar of its recipients' states, the chart
 * of opens, clicks and unsubscribes over time, and launch / pause / resume. Refreshes
 * every two seconds while it sends.
 */
import { AreaChart } from '@mantine/charts';
import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  Progress,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { api } from '../api.ts';
import { formatDateTime, formatTime } from '../app/dates.ts';
import { done, fail } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { type Campaign, statusColor, useLoad } from './marketing-api.ts';

interface Activity {
  bucket: string;
  items: { at: string; open: number; click: number; unsubscribe: number; bounce: number }[];
}

const stateColors: [string, string, string][] = [
  ['sent', 'Sent', 'indigo'],
  ['opened', 'Opened', 'teal'],
  ['clicked', 'Clicked', 'green'],
  ['unsubscribed', 'Unsubscribed', 'orange'],
  ['bounced', 'Bounced', 'red.4'],
  ['failed', 'Failed', 'red.8'],
];

export function CampaignView({ id }: { id: string }) {
  const campaign = useLoad<Campaign>(`/marketing/campaigns/${id}`, 2000);
  const activity = useLoad<Activity>(`/marketing/campaigns/${id}/activity?bucket=minute`, 5000);
  const c = campaign.data;
  if (campaign.error)
    return (
      <Alert m="md" color="red" title="The campaign could not be loaded">
        {campaign.error}
      </Alert>
    );
  if (!c) return <Loader m="md" />;
  const progress = c.progress ?? { total: 0, pending: 0, done: 0, counts: {} };
  const share = (n: number) => (progress.total ? (n / progress.total) * 100 : 0);

  async function act(action: 'launch' | 'pause' | 'resume') {
    try {
      await api('POST', `/marketing/campaigns/${id}/${action}`, action === 'launch' ? {} : undefined);
      done(
        action === 'launch'
          ? 'Campaign launched'
          : action === 'pause'
            ? 'Campaign paused'
            : 'Campaign resumed',
      );
      campaign.reload();
    } catch (error) {
      fail(error);
    }
  }

  const chart = (activity.data?.items ?? []).map((item) => ({
    at: formatTime(item.at),
    Opens: item.open,
    Clicks: item.click,
    Unsubscribes: item.unsubscribe,
  }));

  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Group justify="space-between">
        <Group>
          <Title order={3}>{c.name}</Title>
          <Badge color={statusColor[c.status]}>{c.status}</Badge>
        </Group>
        <Group>
          <Button variant="default" onClick={() => navigate('/marketing')}>
            Back
          </Button>
          {c.status === 'draft' && <Button onClick={() => act('launch')}>Launch now</Button>}
          {(c.status === 'running' || c.status === 'scheduled') && (
            <Button color="yellow" onClick={() => act('pause')}>
              Pause
            </Button>
          )}
          {c.status === 'paused' && <Button onClick={() => act('resume')}>Resume</Button>}
        </Group>
      </Group>
      {c.summary && (
        <Text size="sm" c="dimmed">
          {c.summary.queued} recipients queued; left out: {c.summary.doNotEmail} “do not email”,{' '}
          {c.summary.unsubscribed} unsubscribed, {c.summary.noAddress} without an address.
          {c.scheduledAt && ` Scheduled for ${formatDateTime(c.scheduledAt)}.`}
        </Text>
      )}
      <Paper withBorder p="sm">
        <Stack gap={6}>
          <Group justify="space-between">
            <Text fw={600}>Delivery</Text>
            <Text size="sm">
              {progress.done} of {progress.total} done{progress.pending ? `, ${progress.pending} to go` : ''}
            </Text>
          </Group>
          <Progress.Root size={22} aria-label="Delivery progress">
            {stateColors.map(([state, label, color]) =>
              progress.counts[state] ? (
                <Progress.Section key={state} value={share(progress.counts[state] ?? 0)} color={color}>
                  <Progress.Label>{label}</Progress.Label>
                </Progress.Section>
              ) : null,
            )}
          </Progress.Root>
          <SimpleGrid cols={{ base: 3, sm: 7 }}>
            {[['queued', 'Queued'], ...stateColors.map(([state, label]) => [state, label])].map(
              ([state, label]) => (
                <div key={state}>
                  <Text size="xs" c="dimmed">
                    {label}
                  </Text>
                  <Text fw={600}>{progress.counts[state as string] ?? 0}</Text>
                </div>
              ),
            )}
          </SimpleGrid>
        </Stack>
      </Paper>
      <Paper withBorder p="sm">
        <Text fw={600} mb="xs">
          Opens and clicks over time
        </Text>
        {chart.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nothing has come back yet.
          </Text>
        ) : (
          <AreaChart
            h={240}
            data={chart}
            dataKey="at"
            withLegend
            series={[
              { name: 'Opens', color: 'teal.6' },
              { name: 'Clicks', color: 'indigo.6' },
              { name: 'Unsubscribes', color: 'orange.6' },
            ]}
          />
        )}
      </Paper>
    </Stack>
  );
}
