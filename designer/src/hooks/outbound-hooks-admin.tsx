/**
 * Outbound hooks: which URLs receive which of Weft's events, each subscription's state (on,
 * or turned off and why), its signing secret (shown once), and its delivery log.
 */
import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Loader,
  Modal,
  NumberInput,
  Paper,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';

interface Subscription {
  id: string;
  name: string;
  url: string;
  events: string[];
  active: boolean;
  maxFailures: number;
  consecutiveFailures: number;
  disabledReason: string | null;
}
interface HookDelivery {
  id: string;
  eventType: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

const statusColor: Record<string, string> = {
  delivered: 'green',
  pending: 'blue',
  failed: 'red',
  gone: 'orange',
  cancelled: 'gray',
};

export function OutboundHooksAdmin() {
  const [items, setItems] = useState<Subscription[] | null>(null);
  const [known, setKnown] = useState<string[]>([]);
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [log, setLog] = useState<Subscription | null>(null);
  const load = useCallback(
    () =>
      api<{ items: Subscription[]; events: string[] }>('GET', '/outbound-hooks').then((page) => {
        setItems(page.items);
        setKnown(page.events);
      }, fail),
    [],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const toggle = (sub: Subscription) =>
    api('PATCH', `/outbound-hooks/${sub.id}`, { active: !sub.active }).then(() => void load(), fail);
  const remove = (sub: Subscription) =>
    api('DELETE', `/outbound-hooks/${sub.id}`).then(() => {
      done(`Unsubscribed ${sub.name}`);
      void load();
    }, fail);
  return (
    <Stack gap="sm" maw={1000} data-testid="outbound-hooks">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Other systems (Zapier, your own services) receive Weft’s events as signed JSON: x-weft-signature is
          the HMAC-SHA256 of timestamp + "." + delivery id + "." + body with the subscription’s secret.
        </Text>
        <Button onClick={() => setAdding(true)}>New subscription</Button>
      </Group>
      {secret && (
        <Alert
          color="blue"
          title="Signing secret (shown once)"
          withCloseButton
          onClose={() => setSecret(null)}
        >
          <Code>{secret}</Code>
        </Alert>
      )}
      {items === null ? (
        <Loader size="sm" />
      ) : items.length === 0 ? (
        <Alert>No subscriptions yet.</Alert>
      ) : (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>URL</Table.Th>
              <Table.Th>Events</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((sub) => (
              <Table.Tr key={sub.id}>
                <Table.Td>{sub.name}</Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace" truncate maw={220} title={sub.url}>
                    {sub.url}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{sub.events.join(', ')}</Text>
                </Table.Td>
                <Table.Td>
                  {sub.active ? (
                    <Badge color="green" variant="light">
                      On{sub.consecutiveFailures > 0 ? ` (${sub.consecutiveFailures} failures)` : ''}
                    </Badge>
                  ) : (
                    <Stack gap={0}>
                      <Badge color="gray" variant="light">
                        Off
                      </Badge>
                      {sub.disabledReason && (
                        <Text size="xs" c="red">
                          {sub.disabledReason}
                        </Text>
                      )}
                    </Stack>
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Button size="compact-xs" variant="light" onClick={() => setLog(sub)}>
                      Deliveries
                    </Button>
                    <Button size="compact-xs" variant="default" onClick={() => toggle(sub)}>
                      {sub.active ? 'Turn off' : 'Turn on'}
                    </Button>
                    <Button size="compact-xs" variant="subtle" color="red" onClick={() => remove(sub)}>
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <NewSubscription
        opened={adding}
        known={known}
        onClose={() => setAdding(false)}
        onCreated={(created) => {
          setAdding(false);
          setSecret(created);
          void load();
        }}
      />
      <Modal
        opened={log !== null}
        onClose={() => setLog(null)}
        title={`Deliveries to ${log?.name ?? ''}`}
        size="xl"
      >
        {log && <Deliveries id={log.id} />}
      </Modal>
    </Stack>
  );
}

function NewSubscription({
  opened,
  known,
  onClose,
  onCreated,
}: {
  opened: boolean;
  known: string[];
  onClose: () => void;
  onCreated: (secret: string) => void;
}) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [maxFailures, setMaxFailures] = useState<number>(10);
  const [active, setActive] = useState(true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = () =>
    api<{ secret: string }>('POST', '/outbound-hooks', { name, url, events, maxFailures, active }).then(
      (created) => {
        setErrors({});
        onCreated(created.secret);
      },
      (error) => {
        setErrors(fieldErrors(error));
        fail(error);
      },
    );
  const eventError = Object.entries(errors).find(([field]) => field.startsWith('events'))?.[1];
  return (
    <Modal opened={opened} onClose={onClose} title="New subscription">
      <Stack gap="sm">
        <TextInput
          label="Name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors.name}
        />
        <TextInput
          label="URL"
          placeholder="https://hooks.example.com/weft"
          value={url}
          onChange={(e) => setUrl(e.currentTarget.value)}
          error={errors.url}
        />
        <TagsInput
          label="Events"
          description="Add :module to narrow one, e.g. record.created:contacts"
          data={known}
          value={events}
          onChange={setEvents}
          error={eventError}
        />
        <NumberInput
          label="Turn off after this many failures in a row"
          min={1}
          value={maxFailures}
          onChange={(value) => setMaxFailures(Number(value) || 1)}
        />
        <Switch label="On" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={save}>Subscribe</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function Deliveries({ id }: { id: string }) {
  const [items, setItems] = useState<HookDelivery[] | null>(null);
  useEffect(() => {
    api<{ items: HookDelivery[] }>('GET', `/outbound-hooks/${id}/deliveries?limit=100`).then(
      (page) => setItems(page.items),
      fail,
    );
  }, [id]);
  if (!items) return <Loader size="sm" />;
  if (items.length === 0) return <Text size="sm">Nothing sent yet.</Text>;
  return (
    <Paper>
      <Table fz="sm" striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Event</Table.Th>
            <Table.Th>Result</Table.Th>
            <Table.Th>Attempts</Table.Th>
            <Table.Th>Answer</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((delivery) => (
            <Table.Tr key={delivery.id}>
              <Table.Td>{formatDateTime(delivery.createdAt)}</Table.Td>
              <Table.Td>{delivery.eventType}</Table.Td>
              <Table.Td>
                <Badge color={statusColor[delivery.status] ?? 'gray'} variant="light">
                  {delivery.status}
                </Badge>
              </Table.Td>
              <Table.Td>{delivery.attempts}</Table.Td>
              <Table.Td>
                <Text size="xs">
                  {delivery.lastError ?? (delivery.responseStatus ? `HTTP ${delivery.responseStatus}` : '')}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}
