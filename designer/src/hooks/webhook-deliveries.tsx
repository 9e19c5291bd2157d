/**
 * A webhook flow's deliveries (`GET /api/hooks/flows/:flowId/deliveries`): when each came,
 * whether it was accepted, a duplicate, refused (and why) or a replay, the record it wrote and
 * the run it started; "Replay" sends a stored body through the flow again.
 */
import { Badge, Button, Code, Group, Loader, Modal, ScrollArea, Stack, Table, Text } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { done, fail } from '../console/console-api.ts';

export interface Delivery {
  id: number;
  service: string;
  deliveryId: string | null;
  status: 'accepted' | 'duplicate' | 'refused' | 'replayed';
  reason: string | null;
  module: string | null;
  recordId: string | null;
  runId: string | null;
  runStatus: string | null;
  replayOf: number | null;
  receivedAt: string;
  body: unknown;
}

const colors: Record<Delivery['status'], string> = {
  accepted: 'green',
  replayed: 'blue',
  duplicate: 'gray',
  refused: 'red',
};
const labels: Record<Delivery['status'], string> = {
  accepted: 'Accepted',
  replayed: 'Replayed',
  duplicate: 'Duplicate',
  refused: 'Refused',
};

export function WebhookDeliveries({
  flowId,
  opened,
  onClose,
}: {
  flowId: string;
  opened: boolean;
  onClose: () => void;
}) {
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [shown, setShown] = useState<Delivery | null>(null);
  const load = useCallback(
    () =>
      api<{ items: Delivery[] }>('GET', `/hooks/flows/${flowId}/deliveries?limit=100`).then(
        (page) => setItems(page.items),
        fail,
      ),
    [flowId],
  );
  useEffect(() => {
    if (opened) void load();
  }, [opened, load]);
  const replay = (delivery: Delivery) =>
    api('POST', `/hooks/flows/${flowId}/deliveries/${delivery.id}/replay`).then(() => {
      done('Replayed: the flow runs again with this delivery');
      void load();
    }, fail);
  return (
    <Modal opened={opened} onClose={onClose} title="Webhook deliveries" size="xl">
      <Stack gap="xs" data-testid="webhook-deliveries">
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            The newest 100. Refused deliveries start nothing; a duplicate repeats one already received.
          </Text>
          <Button size="xs" variant="default" onClick={() => void load()}>
            Refresh
          </Button>
        </Group>
        {items === null ? (
          <Loader size="sm" />
        ) : items.length === 0 ? (
          <Text size="sm">No deliveries yet.</Text>
        ) : (
          <ScrollArea h={420}>
            <Table striped highlightOnHover fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Received</Table.Th>
                  <Table.Th>Result</Table.Th>
                  <Table.Th>Delivery</Table.Th>
                  <Table.Th>Why / what</Table.Th>
                  <Table.Th>Run</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((delivery) => (
                  <Table.Tr key={delivery.id}>
                    <Table.Td>{formatDateTime(delivery.receivedAt)}</Table.Td>
                    <Table.Td miw={110}>
                      <Badge color={colors[delivery.status]} variant="light" style={{ overflow: 'visible' }}>
                        {labels[delivery.status]}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" ff="monospace" truncate maw={160} title={delivery.deliveryId ?? ''}>
                        {delivery.deliveryId ?? '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">
                        {delivery.reason ?? (delivery.status === 'accepted' ? 'Verified' : '')}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">{delivery.runId ? (delivery.runStatus ?? 'started') : '—'}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        {delivery.body !== null && delivery.body !== undefined && (
                          <Button size="compact-xs" variant="subtle" onClick={() => setShown(delivery)}>
                            Body
                          </Button>
                        )}
                        {delivery.status !== 'duplicate' && (
                          <Button size="compact-xs" variant="light" onClick={() => void replay(delivery)}>
                            Replay
                          </Button>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
        {shown && (
          <Stack gap={4}>
            <Group justify="space-between">
              <Text size="sm" fw={500}>
                Body of delivery {shown.deliveryId ?? shown.id}
              </Text>
              <Button size="compact-xs" variant="subtle" onClick={() => setShown(null)}>
                Hide
              </Button>
            </Group>
            <Code block mah={200} style={{ overflow: 'auto' }}>
              {JSON.stringify(shown.body, null, 2)}
            </Code>
          </Stack>
        )}
      </Stack>
    </Modal>
  );
}
