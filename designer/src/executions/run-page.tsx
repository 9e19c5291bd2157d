/**
 * One run (`/runs/<id>`): its flow, record, version, start and duration; every node it passed
 * from the trigger on, an if's or a switch's branch with the values it read, a failed node
 * in red with its error in plain words; Retry (from the failed step) and Cancel. Read again
 * when the live channel says the run changed, and polled while it runs.
 */
import {
  Alert,
  Badge,
  Button,
  Center,
  Code,
  Group,
  Loader,
  Paper,
  Stack,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useMemo, useState } from 'react';
import { api, type Page } from '../api.ts';
import { AppLink } from '../app/app-link.tsx';
import { formatDateTime } from '../app/dates.ts';
import { useLive } from '../app/live.ts';
import { useModules } from '../console/console-api.ts';
import { statusColor } from '../flows/flows-api.ts';
import type { CatalogEntry } from '../model/catalog.ts';
import { type PassedNode, runPath } from '../model/run-path.ts';
import { navigate } from '../router.ts';
import { type ExecutionDetail, errorText, formatDuration, settled, statusLabel } from './executions-api.ts';

const pollMs = 1500;

let catalog: Promise<Map<string, CatalogEntry>> | null = null;
const titles = () => {
  catalog ??= api<Page<CatalogEntry>>('GET', '/nodes').then(
    (page) => new Map(page.items.map((entry) => [entry.type, entry])),
  );
  return catalog;
};

/** An if's handles read as answers; a switch's are its case names. */
const branchName = (handle: string) =>
  handle === 'true'
    ? 'yes (true)'
    : handle === 'false'
      ? 'no (false)'
      : handle === 'default'
        ? 'default'
        : handle;

const shown = (value: unknown) =>
  value === undefined ? 'nothing' : typeof value === 'string' ? `"${value}"` : JSON.stringify(value);

export default function RunPage({ runId }: { runId: string }) {
  const [run, setRun] = useState<ExecutionDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [entries, setEntries] = useState<Map<string, CatalogEntry>>(new Map());
  const [pushes, setPushes] = useState(0);
  const [busy, setBusy] = useState(false);
  const modules = useModules() ?? [];
  useLive('run.updated', (push) => {
    if (push.data?.runId === runId) setPushes((n) => n + 1);
  });
  useEffect(() => {
    titles().then(setEntries, () => undefined);
  }, []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a push only asks for a fresh read
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const next = await api<ExecutionDetail>('GET', `/runs/${runId}`);
        if (stop) return;
        setRun(next);
        setError(null);
        if (!settled(next.status)) timer = setTimeout(load, pollMs);
      } catch (reason) {
        if (!stop) setError((reason as Error).message);
      }
    };
    load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [runId, pushes]);

  const path = useMemo(
    (): PassedNode[] =>
      run?.definition
        ? runPath(run.definition, run.steps, run.input, run.decisions)
        : (run?.steps ?? []).map((step) => ({ nodeId: step.nodeId, nodeType: step.nodeType, steps: [step] })),
    [run],
  );

  if (error)
    return (
      <Center h="100%">
        <Text c="red">{error}</Text>
      </Center>
    );
  if (!run)
    return (
      <Center h="100%">
        <Loader />
      </Center>
    );

  const act = async (what: 'retry' | 'cancel') => {
    setBusy(true);
    try {
      await api('POST', `/runs/${run.id}/${what}`);
      notifications.show({ message: what === 'retry' ? 'Retrying from the failed step' : 'Run cancelled' });
      setPushes((n) => n + 1);
    } catch (reason) {
      notifications.show({ color: 'red', message: (reason as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const retryFrom = async (nodeId: string) => {
    setBusy(true);
    try {
      const started = await api<{ id: string }>('POST', `/runs/${run.id}/retry-from`, { nodeId });
      notifications.show({ message: 'A new run started from that step' });
      navigate(`/runs/${started.id}`);
    } catch (reason) {
      notifications.show({ color: 'red', message: (reason as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const retriedFrom = (run.input as { retriedFrom?: { runId: string; nodeId: string } } | null)?.retriedFrom;
  const titleOf = (node: PassedNode) => {
    const named = run.definition?.nodes.find((n) => n.id === node.nodeId) as { label?: unknown } | undefined;
    const label = typeof named?.label === 'string' ? named.label : null;
    return label ?? entries.get(node.nodeType)?.title ?? node.nodeType;
  };
  const module = modules.find((m) => m.name === run.module);

  return (
    <Stack
      p="md"
      gap="sm"
      style={{ minHeight: 0, overflowY: 'auto' }}
      data-testid="run-page"
      data-status={run.status}
    >
      <Group justify="space-between" align="flex-start">
        <Stack gap={2}>
          <Group gap="xs">
            <Title order={3}>{run.flowName}</Title>
            <Badge color={statusColor[run.status] ?? 'gray'} size="lg" data-testid="run-page-status">
              {statusLabel[run.status] ?? run.status}
            </Badge>
          </Group>
          <Text size="sm" c="dimmed">
            Version {run.version} · started {formatDateTime(run.startedAt)} · took{' '}
            {formatDuration(run.durationMs)}
            {run.module && run.recordId && (
              <>
                {' · on '}
                <AppLink to={`/records/${run.module}/${run.recordId}`}>
                  {run.recordName ?? module?.itemName ?? 'its record'}
                </AppLink>
              </>
            )}
          </Text>
        </Stack>
        <Group gap="xs">
          <AppLink to="/runs">All runs</AppLink>
          <Button variant="default" size="xs" component="a" href={`/flows/${run.flowId}?run=${run.id}`}>
            Open in the designer
          </Button>
          {!settled(run.status) && (
            <Button size="xs" color="gray" loading={busy} onClick={() => act('cancel')}>
              Cancel
            </Button>
          )}
          {run.status === 'failed' && (
            <Button size="xs" loading={busy} onClick={() => act('retry')}>
              Retry from the failed step
            </Button>
          )}
        </Group>
      </Group>
      {retriedFrom && (
        <Text size="sm" data-testid="retried-from">
          Retried from the step{' '}
          <b>
            {titleOf({
              nodeId: retriedFrom.nodeId,
              nodeType: run.definition?.nodes.find((n) => n.id === retriedFrom.nodeId)?.type ?? '',
              steps: [],
            })}
          </b>{' '}
          of <AppLink to={`/runs/${retriedFrom.runId}`}>an earlier run</AppLink>, with the data it had there.
        </Text>
      )}
      {run.errorSummary && (
        <Alert color="red" title="Why it failed" data-testid="run-error">
          <Text size="sm" style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>
            {run.errorSummary}
          </Text>
        </Alert>
      )}
      <Paper withBorder p="md" maw={900}>
        <Timeline bulletSize={16} lineWidth={2} active={path.length - 1}>
          {path.map((node) => {
            const last = node.steps.at(-1);
            const failed = last?.status === 'failed';
            const color =
              node.nodeId === 'trigger' || !last ? 'indigo' : (statusColor[last.status] ?? 'gray');
            return (
              <Timeline.Item
                key={node.nodeId}
                color={color}
                data-testid={`run-node-${node.nodeId}`}
                data-status={last?.status ?? 'passed'}
                title={
                  <Group gap={6}>
                    <Text fw={600} size="sm" c={failed ? 'red.8' : undefined}>
                      {node.nodeId === 'trigger' ? `Trigger: ${titleOf(node)}` : titleOf(node)}
                    </Text>
                    {last && (
                      <Badge size="xs" variant="light" color={statusColor[last.status] ?? 'gray'}>
                        {statusLabel[last.status] ?? last.status}
                      </Badge>
                    )}
                    {last && last.attempt > 1 && (
                      <Text size="xs" c="dimmed">
                        attempt {last.attempt}
                      </Text>
                    )}
                  </Group>
                }
              >
                {node.nodeId === 'trigger' && (
                  <Text size="xs" c="dimmed">
                    Started {formatDateTime(run.startedAt)}
                    {run.recordName ? ` for ${run.recordName}` : ''}
                  </Text>
                )}
                {node.branch !== undefined && (
                  <Stack gap={2}>
                    <Text size="sm" data-testid={`decision-${node.nodeId}`}>
                      {node.branch === 'none' ? (
                        'Took no branch that has steps'
                      ) : (
                        <>
                          Took the <b>{branchName(node.branch)}</b> branch
                        </>
                      )}
                      {node.recorded && node.values && node.values.length > 0 ? ' because' : ''}
                    </Text>
                    {node.values?.map((value) => (
                      <Text size="xs" c="dimmed" key={value.path}>
                        {value.path} was {shown(value.value)}
                        {node.recorded ? '' : ' when the run started'}
                      </Text>
                    ))}
                  </Stack>
                )}
                {last && failed && (
                  <Text size="sm" c="red.8" style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>
                    {errorText(last.error)}
                  </Text>
                )}
                {last && (
                  <>
                    <Text size="xs" c="dimmed">
                      {last.finishedAt
                        ? `took ${formatDuration(new Date(last.finishedAt).getTime() - new Date(last.startedAt).getTime())}`
                        : 'in progress'}
                    </Text>
                    {settled(run.status) && (
                      <Button
                        size="compact-xs"
                        variant="light"
                        mt={4}
                        loading={busy}
                        data-testid={`retry-from-${node.nodeId}`}
                        title="Start a new run at this step, with the data this run had here"
                        onClick={() => retryFrom(node.nodeId)}
                      >
                        Retry from here
                      </Button>
                    )}
                    <details>
                      <summary style={{ fontSize: 12, cursor: 'pointer' }}>What went in and came out</summary>
                      <Code block fz={11} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
                        {JSON.stringify({ input: last.input, output: last.output }, null, 2)}
                      </Code>
                    </details>
                  </>
                )}
              </Timeline.Item>
            );
          })}
        </Timeline>
        {!run.definition && (
          <Text size="sm" c="dimmed">
            The version this run used is no longer stored; its steps are listed as recorded.
          </Text>
        )}
      </Paper>
    </Stack>
  );
}
