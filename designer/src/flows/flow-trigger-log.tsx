/**
 * The designer's "Trigger log" tab: the recent evaluations of the edited flow's trigger
 * (X2CRM's per-flow trigger log): each event that reached it and what came of it, newest
 * first, with a filter by outcome. The whole log is at Admin → Trigger log.
 */
import { Anchor, Badge, Button, Group, ScrollArea, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { outcomes } from '../admin/trigger-log-admin.tsx';
import { usePaged } from '../console/console-api.ts';
import { navigate } from '../router.ts';

interface Entry {
  id: number;
  eventType: string | null;
  module: string | null;
  recordId: string | null;
  outcome: string;
  runId: string | null;
  detail: string | null;
  createdAt: string;
}

/** `record.created` → "Record created", `process.stageCompleted` → "Process stage completed". */
export const eventLabel = (type: string) => {
  const words = type
    .split('.')
    .map((part) => part.replace(/([A-Z])/g, ' $1').toLowerCase())
    .join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

export function FlowTriggerLog({ flowId }: { flowId: string }) {
  const [outcome, setOutcome] = useState<string | null>(null);
  const query = new URLSearchParams({ limit: '25', flowId });
  if (outcome) query.set('outcome', outcome);
  const { items, hasMore, more, reload } = usePaged<Entry>(`/trigger-log?${query}`);
  return (
    <Stack gap="xs" p="sm" style={{ flex: 1, minHeight: 0 }} data-testid="flow-trigger-log">
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <Select
          label="Outcome"
          placeholder="Any outcome"
          clearable
          size="xs"
          style={{ flex: 1 }}
          data={Object.entries(outcomes).map(([value, [label]]) => ({ value, label }))}
          value={outcome}
          onChange={setOutcome}
        />
        <Button size="xs" variant="default" onClick={reload}>
          Refresh
        </Button>
      </Group>
      <ScrollArea style={{ flex: 1 }}>
        {items?.length === 0 && (
          <Text size="sm" c="dimmed">
            No event has reached this flow’s trigger yet{outcome ? ' with this outcome' : ''}. Events are
            logged once the flow is published and active.
          </Text>
        )}
        <Stack gap={6}>
          {items?.map((entry) => {
            const [label, color] = outcomes[entry.outcome] ?? [entry.outcome, 'gray'];
            return (
              <Stack
                key={entry.id}
                gap={2}
                p={6}
                style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 4 }}
                data-testid="trigger-log-entry"
              >
                <Group justify="space-between" gap={4}>
                  <Badge color={color} variant="light" size="sm">
                    {label}
                  </Badge>
                  <Text size="xs" c="dimmed">
                    {new Date(entry.createdAt).toLocaleString()}
                  </Text>
                </Group>
                <Text size="xs">
                  {entry.eventType ? eventLabel(entry.eventType) : 'Started by hand'}{' '}
                  {entry.module && entry.recordId && (
                    <Anchor size="xs" onClick={() => navigate(`/records/${entry.module}/${entry.recordId}`)}>
                      open the record
                    </Anchor>
                  )}
                </Text>
                {entry.runId ? (
                  <Anchor size="xs" onClick={() => navigate(`/runs/${entry.runId}`)}>
                    Show run {entry.runId.slice(0, 8)}
                  </Anchor>
                ) : (
                  entry.detail && (
                    <Text size="xs" c="dimmed">
                      {entry.detail}
                    </Text>
                  )
                )}
              </Stack>
            );
          })}
        </Stack>
        {hasMore && (
          <Button size="xs" variant="subtle" onClick={more} mt="xs">
            Older entries
          </Button>
        )}
      </ScrollArea>
      <Anchor size="xs" onClick={() => navigate(`/admin/trigger-log?flow=${flowId}`)}>
        Open the full trigger log
      </Anchor>
    </Stack>
  );
}
