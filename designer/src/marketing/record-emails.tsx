/**
 * Email sent about a record (campaigns, newsletters, flows) with what came back, and the
 * record's visits to your website (the web tracker): the record page's Email tab.
 */
import { Alert, Anchor, Badge, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { AppLink } from '../app/app-link.tsx';
import { formatDateTime } from '../app/dates.ts';
import { useLoad } from './marketing-api.ts';

interface Sent {
  source: 'marketing' | 'flow';
  id: string;
  campaignId: string | null;
  campaignName: string | null;
  subject: string | null;
  address: string;
  state: string;
  createdAt: string;
  sentAt: string | null;
  openedAt: string | null;
  clickedAt: string | null;
  unsubscribedAt: string | null;
  bouncedAt: string | null;
}

const stateColor: Record<string, string> = {
  queued: 'gray',
  sending: 'gray',
  sent: 'indigo',
  opened: 'teal',
  clicked: 'green',
  unsubscribed: 'orange',
  bounced: 'red',
  failed: 'red',
  stored: 'gray',
};

const when = (value: string | null) => (value ? formatDateTime(value) : null);

export function RecordEmails({ module, id }: { module: string; id: string }) {
  return (
    <Stack gap="lg">
      <EmailList module={module} id={id} />
      <WebVisits module={module} id={id} />
    </Stack>
  );
}

interface Visit {
  id: number;
  url: string;
  referrer: string | null;
  at: string;
}

/** Page views on your website, newest first (including those from before the visitor was recognised). */
function WebVisits({ module, id }: { module: string; id: string }) {
  const { data, error } = useLoad<{ items: Visit[] }>(`/marketing/records/${module}/${id}/web-activity`);
  if (error)
    return (
      <Alert color="red" title="The website visits could not be loaded">
        {error}
      </Alert>
    );
  if (!data) return <Loader size="sm" />;
  return (
    <Stack gap={4} data-testid="record-web-activity">
      <Title order={5}>Website visits</Title>
      {data.items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No visits to your website are known for this record.
        </Text>
      ) : (
        data.items.map((visit) => (
          <Text key={visit.id} size="sm">
            <Anchor href={visit.url} target="_blank" rel="noreferrer noopener">
              {visit.url}
            </Anchor>{' '}
            <Text span size="xs" c="dimmed">
              {new Date(visit.at).toLocaleString()}
            </Text>
          </Text>
        ))
      )}
    </Stack>
  );
}

function EmailList({ module, id }: { module: string; id: string }) {
  const { data, error } = useLoad<{ items: Sent[] }>(`/marketing/records/${module}/${id}/emails`);
  if (error)
    return (
      <Alert color="red" title="The emails could not be loaded">
        {error}
      </Alert>
    );
  if (!data) return <Loader size="sm" />;
  if (data.items.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No email has been sent about this record.
      </Text>
    );
  return (
    <Stack gap="sm" data-testid="record-emails">
      {data.items.map((mail) => (
        <Stack key={mail.id} gap={2}>
          <Group justify="space-between" wrap="nowrap">
            <Text size="sm" fw={500} lineClamp={1}>
              {mail.subject ?? '(not sent yet)'}
            </Text>
            <Badge color={stateColor[mail.state] ?? 'gray'} variant="light">
              {mail.state}
            </Badge>
          </Group>
          <Text size="xs" c="dimmed">
            {mail.campaignId && mail.campaignName ? (
              <AppLink to={`/marketing/campaigns/${mail.campaignId}`}>{mail.campaignName}</AppLink>
            ) : mail.source === 'flow' ? (
              'From a flow'
            ) : (
              'Newsletter'
            )}{' '}
            · to {mail.address}
            {mail.sentAt && ` · sent ${when(mail.sentAt)}`}
            {mail.openedAt && ` · opened ${when(mail.openedAt)}`}
            {mail.clickedAt && ` · clicked ${when(mail.clickedAt)}`}
            {mail.unsubscribedAt && ` · unsubscribed ${when(mail.unsubscribedAt)}`}
            {mail.bouncedAt && ` · bounced ${when(mail.bouncedAt)}`}
          </Text>
        </Stack>
      ))}
    </Stack>
  );
}
