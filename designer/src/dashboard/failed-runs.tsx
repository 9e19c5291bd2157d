/** Administrators: the latest failed flow runs, with their flow and error; a run failing meanwhile shows up. */
import { Group, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';
import { AppLink } from '../app/app-link.tsx';
import { formatDateTime } from '../app/dates.ts';
import { useLive } from '../app/live.ts';
import { usePaged } from '../console/console-api.ts';
import type { FlowSummary, RunSummary } from '../flows/flows-api.ts';
import { DashboardCard, Empty } from './dashboard-card.tsx';

const errorText = (error: unknown) =>
  error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string'
    ? (error as { message: string }).message
    : 'Failed';

export function FailedRuns() {
  const { items, error, reload } = usePaged<RunSummary>('/runs?status=failed&limit=5');
  const [flows, setFlows] = useState<Map<string, string>>(new Map());
  useLive('run.updated', (push) => push.data?.status === 'failed' && reload());
  useEffect(() => {
    api<Page<FlowSummary>>('GET', '/flows?limit=500').then(
      (page) => setFlows(new Map(page.items.map((flow) => [flow.id, flow.name]))),
      () => undefined,
    );
  }, []);
  return (
    <DashboardCard
      title="Failed flow runs"
      all={['All failed runs', '/runs?status=failed']}
      loading={items === null}
      error={error}
      onRetry={reload}
      testId="failed-runs"
    >
      {items?.length === 0 && (
        <Empty>No failed runs. When a run fails it shows here; open it to see why and retry it.</Empty>
      )}
      {items?.map((run) => (
        <div key={run.id} data-testid="failed-run">
          <Group gap={6} justify="space-between" wrap="nowrap">
            <AppLink to={`/runs/${run.id}`} style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
              {flows.get(run.flowId) ?? 'A deleted flow'}
            </AppLink>
            <Text size="xs" c="dimmed">
              {formatDateTime(run.startedAt)}
            </Text>
          </Group>
          <Text size="xs" c="red.8" lineClamp={2} style={{ overflowWrap: 'anywhere' }}>
            {errorText(run.error)}
          </Text>
          {run.module && run.recordId && (
            <AppLink to={`/records/${run.module}/${run.recordId}`} size="xs">
              Open the record
            </AppLink>
          )}
        </div>
      ))}
    </DashboardCard>
  );
}
