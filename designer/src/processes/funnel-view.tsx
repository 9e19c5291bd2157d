/**
 * The funnel: how many records reached each stage (started it in the date range), the
 * conversion from each stage to the next; click a stage to list its records.
 */
import { Alert, Box, Group, Loader, Stack, Table, Text, TextInput, UnstyledButton } from '@mantine/core';
import { useState } from 'react';
import { AppLink } from '../app/app-link.tsx';
import { formatDateTime } from '../app/dates.ts';
import { type FunnelStage, money, type Process, useGet } from './processes-api.ts';

const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);

export function FunnelBars({
  stages,
}: {
  stages: {
    key: string;
    name: string;
    value: number;
    note?: string;
    onClick?: () => void;
    active?: boolean;
  }[];
}) {
  const max = Math.max(1, ...stages.map((stage) => stage.value));
  return (
    <Stack gap={6} data-testid="funnel">
      {stages.map((stage) => (
        <UnstyledButton
          key={stage.key}
          onClick={stage.onClick}
          aria-pressed={stage.active}
          disabled={!stage.onClick}
        >
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" w={140} truncate>
              {stage.name}
            </Text>
            <Box style={{ flex: 1 }}>
              <Box
                h={22}
                style={{
                  width: `${Math.max(2, (stage.value / max) * 100)}%`,
                  margin: '0 auto',
                  borderRadius: 4,
                  background: stage.active ? 'var(--mantine-color-blue-7)' : 'var(--mantine-color-blue-4)',
                }}
              />
            </Box>
            <Text size="sm" w={110} ta="right" data-testid="funnel-value">
              {stage.value}
              {stage.note ? ` · ${stage.note}` : ''}
            </Text>
          </Group>
        </UnstyledButton>
      ))}
    </Stack>
  );
}

interface StageRecord {
  id: string;
  name: string;
  status: string;
  startedAt: string;
  completedAt: string | null;
}

export function FunnelView({ process }: { process: Process }) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const query = new URLSearchParams();
  if (from) query.set('from', new Date(`${from}T00:00:00`).toISOString());
  if (to) query.set('to', new Date(`${to}T23:59:59`).toISOString());
  const { data, error } = useGet<{ module: string; stages: FunnelStage[] }>(
    `/processes/${process.id}/funnel?${query}`,
  );
  const records = useGet<{ items: StageRecord[] }>(
    selected ? `/processes/${process.id}/stages/${selected}/records?${query}` : null,
  );
  if (error) return <Alert color="red">{error}</Alert>;
  if (!data) return <Loader />;
  return (
    <Stack gap="md" maw={900}>
      <Group gap="sm" align="end">
        <TextInput
          label="Started from"
          type="date"
          w={160}
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
        />
        <TextInput
          label="Started until"
          type="date"
          w={160}
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
        />
      </Group>
      <FunnelBars
        stages={data.stages.map((stage) => ({
          key: stage.stageId,
          name: stage.name,
          value: stage.reached,
          note: stage.conversion === null ? undefined : `${percent(stage.conversion)} on`,
          active: selected === stage.stageId,
          onClick: () => setSelected(stage.stageId),
        }))}
      />
      <Text size="xs" c="dimmed">
        Records that reached each stage, and the share of them that reached the next.
        {process.financialField ? ' Totals are of the financial field.' : ''}
      </Text>
      {process.financialField && (
        <Text size="sm">
          {data.stages.map((stage) => `${stage.name}: ${money(stage.total ?? 0)}`).join(' · ')}
        </Text>
      )}
      {selected && (
        <Stack gap="xs">
          <Text fw={600}>Records in “{data.stages.find((stage) => stage.stageId === selected)?.name}”</Text>
          {!records.data ? (
            <Loader size="sm" />
          ) : records.data.items.length === 0 ? (
            <Text size="sm" c="dimmed">
              None in this range.
            </Text>
          ) : (
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Record</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Started</Table.Th>
                  <Table.Th>Completed</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {records.data.items.map((item) => (
                  <Table.Tr key={item.id}>
                    <Table.Td>
                      <AppLink to={`/records/${data.module}/${item.id}`}>{item.name}</AppLink>
                    </Table.Td>
                    <Table.Td>{item.status === 'completed' ? 'Completed' : 'In progress'}</Table.Td>
                    <Table.Td>{formatDateTime(item.startedAt)}</Table.Td>
                    <Table.Td>{item.completedAt ? formatDateTime(item.completedAt) : ''}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      )}
    </Stack>
  );
}
