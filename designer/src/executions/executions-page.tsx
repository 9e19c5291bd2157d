/**
 * Flow runs (`/runs`): every run of every flow, newest first, with its status, flow, version,
 * record, start, duration and error; filtered by flow, status, record name and time (the
 * filters are the page's query string, so a filtered view is a link); live, and paged.
 */
import { Badge, Button, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { api, type Page } from '../api.ts';
import { AppLink } from '../app/app-link.tsx';
import { formatDateTime } from '../app/dates.ts';
import { useLive } from '../app/live.ts';
import { useModules, usePaged } from '../console/console-api.ts';
import { type FlowSummary, statusColor } from '../flows/flows-api.ts';
import {
  apiQuery,
  type Execution,
  type ExecutionFilters,
  filtersFrom,
  formatDuration,
  pageQuery,
  statusLabel,
  timeRanges,
} from './executions-api.ts';

export default function ExecutionsPage() {
  const [filters, setFilters] = useState<ExecutionFilters>(() => filtersFrom(window.location.search));
  const [typed, setTyped] = useState(filters.q);
  const [flows, setFlows] = useState<FlowSummary[]>([]);
  const modules = useModules() ?? [];
  useEffect(() => {
    api<Page<FlowSummary>>('GET', '/flows?limit=500').then(
      (page) => setFlows(page.items),
      () => setFlows([]),
    );
  }, []);
  // The search box applies itself a moment after typing stops.
  useEffect(() => {
    const timer = setTimeout(() => setFilters((f) => (f.q === typed ? f : { ...f, q: typed })), 300);
    return () => clearTimeout(timer);
  }, [typed]);
  useEffect(() => {
    const query = pageQuery(filters);
    window.history.replaceState(null, '', query ? `/runs?${query}` : '/runs');
  }, [filters]);
  // "now" is taken when the filters change, so a range is relative to choosing it.
  const path = useMemo(() => `/runs?${apiQuery(filters, Date.now())}`, [filters]);
  const { items, error, hasMore, more, reload } = usePaged<Execution>(path);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useLive('run.updated', () => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      reload();
    }, 500);
  });
  useEffect(() => () => clearTimeout(pending.current), []);
  const set = (patch: Partial<ExecutionFilters>) => setFilters((f) => ({ ...f, ...patch }));
  const moduleLabel = (name: string | null) => modules.find((m) => m.name === name)?.label ?? name ?? '';

  return (
    <Stack p="md" gap="sm" style={{ minHeight: 0, overflowY: 'auto' }}>
      <Title order={3}>Flow runs</Title>
      <Group gap="xs" align="flex-end" wrap="wrap">
        <Select
          label="Flow"
          placeholder="All flows"
          data={flows.map((flow) => ({ value: flow.id, label: flow.name }))}
          value={filters.flowId}
          onChange={(flowId) => set({ flowId })}
          searchable
          clearable
          w={220}
        />
        <Select
          label="Status"
          placeholder="Any status"
          data={['failed', 'running', 'waiting', 'queued', 'succeeded', 'cancelled'].map((value) => ({
            value,
            label: statusLabel[value] ?? value,
          }))}
          value={filters.status}
          onChange={(status) => set({ status })}
          clearable
          w={160}
        />
        <Select
          label="Started"
          placeholder="Any time"
          data={timeRanges.map(({ value, label }) => ({ value, label }))}
          value={filters.range}
          onChange={(range) => set({ range })}
          clearable
          w={160}
        />
        <Select
          label="Record of"
          placeholder="Any module"
          data={modules.map((m) => ({ value: m.name, label: m.label }))}
          value={filters.module}
          onChange={(module) => set({ module })}
          clearable
          w={170}
        />
        <TextInput
          label="Record name"
          placeholder={
            filters.module ? `Search ${moduleLabel(filters.module).toLowerCase()}` : 'Pick a module first'
          }
          disabled={!filters.module}
          value={typed}
          onChange={(event) => setTyped(event.currentTarget.value)}
          w={200}
        />
      </Group>
      {error && (
        <Text c="red" size="sm">
          {error}{' '}
          <Button size="compact-xs" variant="subtle" onClick={reload}>
            Try again
          </Button>
        </Text>
      )}
      <Table.ScrollContainer minWidth={900}>
        <Table striped highlightOnHover verticalSpacing={6} data-testid="executions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Status</Table.Th>
              <Table.Th>Flow</Table.Th>
              <Table.Th>Version</Table.Th>
              <Table.Th>Record</Table.Th>
              <Table.Th>Started</Table.Th>
              <Table.Th>Duration</Table.Th>
              <Table.Th>Error</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items?.map((run) => (
              <Table.Tr key={run.id} data-testid="execution-row" data-status={run.status}>
                <Table.Td>
                  <AppLink to={`/runs/${run.id}`} aria-label={`Open the run of ${run.flowName}`}>
                    <Badge color={statusColor[run.status] ?? 'gray'} style={{ cursor: 'pointer' }}>
                      {statusLabel[run.status] ?? run.status}
                    </Badge>
                  </AppLink>
                </Table.Td>
                <Table.Td>
                  <AppLink to={`/flows/${run.flowId}`}>{run.flowName}</AppLink>
                </Table.Td>
                <Table.Td>v{run.version}</Table.Td>
                <Table.Td>
                  {run.module && run.recordId ? (
                    <AppLink to={`/records/${run.module}/${run.recordId}`}>{run.recordName}</AppLink>
                  ) : (
                    <Text size="sm" c="dimmed">
                      No record
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatDateTime(run.startedAt)}</Text>
                </Table.Td>
                <Table.Td>{formatDuration(run.durationMs)}</Table.Td>
                <Table.Td maw={360}>
                  {run.errorSummary && (
                    <Text size="sm" c="red.8" style={{ overflowWrap: 'anywhere' }} lineClamp={3}>
                      {run.errorSummary}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {items?.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="no-executions">
          No run matches. Runs appear here as flows start; a flow runs once it is published and active.
        </Text>
      )}
      {hasMore && (
        <Button variant="default" size="xs" onClick={more} w="fit-content">
          Load more
        </Button>
      )}
    </Stack>
  );
}
