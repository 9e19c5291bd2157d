/**
 * Test and watch: run the draft on a sample record, the flow's run history, and one run's
 * step timeline (polled while it runs), with cancel and retry.
 */
import {
  Badge,
  Button,
  Code,
  Group,
  ScrollArea,
  Select,
  Stack,
  Text,
  Timeline,
  UnstyledButton,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { api, type Page } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { useLive } from '../app/live.ts';
import {
  type RunDetail,
  type RunSummary,
  statusColor,
  type TestRunResult,
  testRunDetail,
} from './flows-api.ts';

const pollMs = 1000;
const settled = (status: string) => status === 'succeeded' || status === 'failed' || status === 'cancelled';
const fail = (error: unknown): undefined => {
  notifications.show({ color: 'red', message: (error as Error).message });
};

type RecordRow = { id: string; [field: string]: unknown };

function labelOf(record: RecordRow): string {
  const name = [record.firstName, record.lastName].filter((x) => typeof x === 'string' && x).join(' ');
  return name || (typeof record.name === 'string' ? record.name : record.id);
}

function RunView({ runId, onShown }: { runId: string; onShown: (run: RunDetail) => void }) {
  const [run, setRun] = useState<RunDetail | null>(null);
  // Polled while it runs, and read at once when the live channel says it changed.
  const [pushes, setPushes] = useState(0);
  useLive('run.updated', (push) => {
    if (push.data?.runId === runId) setPushes((n) => n + 1);
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: a push only asks for a fresh read
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      const next = await api<RunDetail>('GET', `/runs/${runId}`).catch(() => null);
      if (stop || !next) return;
      setRun(next);
      onShown(next);
      if (!settled(next.status)) timer = setTimeout(load, pollMs);
    };
    load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [runId, onShown, pushes]);
  if (!run) return null;
  const act = (what: 'cancel' | 'retry') =>
    api<RunDetail>('POST', `/runs/${run.id}/${what}`).then(
      () => api<RunDetail>('GET', `/runs/${run.id}`).then(setRun),
      fail,
    );
  return <RunTimeline run={run} act={act} />;
}

/** A run's status, error and step timeline; `act` is absent for a test run (nothing to steer). */
/** The names people gave the flow's steps (node id → name), for the timeline. */
const StepNames = createContext<ReadonlyMap<string, string>>(new Map());

function RunTimeline({ run, act }: { run: RunDetail; act?: (what: 'cancel' | 'retry') => void }) {
  const names = useContext(StepNames);
  return (
    <Stack gap="xs" data-testid="run-view" data-status={run.status}>
      <Group justify="space-between">
        <Group gap={6}>
          <Badge color={statusColor[run.status] ?? 'gray'} data-testid="run-status">
            {run.status}
          </Badge>
          {run.test && <Badge variant="outline">test</Badge>}
        </Group>
        <Group gap={4}>
          {act && !settled(run.status) && (
            <Button size="xs" variant="default" onClick={() => act('cancel')}>
              Cancel
            </Button>
          )}
          {act && run.status === 'failed' && (
            <Button size="xs" variant="default" onClick={() => act('retry')}>
              Retry
            </Button>
          )}
        </Group>
      </Group>
      {run.error !== null && run.error !== undefined && (
        <Code block color="red.0">
          {JSON.stringify(run.error, null, 2)}
        </Code>
      )}
      <Timeline active={run.steps.length - 1} bulletSize={14} lineWidth={2}>
        {run.steps.map((step) => (
          <Timeline.Item
            key={`${step.nodeId}-${step.iteration}-${step.attempt}`}
            color={statusColor[step.status] ?? (step.status === 'succeeded' ? 'teal' : 'gray')}
            title={
              <Group gap={6}>
                <Text size="sm" fw={500}>
                  {names.get(step.nodeId) ?? step.nodeId}
                </Text>
                <Badge size="xs" variant="light" color={step.status === 'failed' ? 'red' : 'teal'}>
                  {step.status}
                </Badge>
              </Group>
            }
          >
            <Text size="xs" c="dimmed">
              {step.nodeType}
              {step.attempt > 1 && ` · attempt ${step.attempt}`}
            </Text>
            <details>
              <summary style={{ fontSize: 12, cursor: 'pointer' }}>input / output</summary>
              <Code block fz={11}>
                {JSON.stringify(
                  { input: step.input, output: step.output, error: step.error ?? undefined },
                  null,
                  2,
                )}
              </Code>
            </details>
          </Timeline.Item>
        ))}
      </Timeline>
    </Stack>
  );
}

interface Props {
  flowId: string;
  module: string | undefined;
  /** Unsaved changes: a test run reads the saved draft. */
  saved: boolean;
  onRunShown: (run: RunDetail | null) => void;
  /** A run to show at once (the designer opened from a run's page). */
  initialRun?: string | null;
  /** The names given to steps, shown instead of their ids. */
  stepNames?: ReadonlyMap<string, string>;
}

const noNames: ReadonlyMap<string, string> = new Map();

export function RunsPanel({
  flowId,
  module,
  saved,
  onRunShown,
  initialRun = null,
  stepNames = noNames,
}: Props) {
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [records, setRecords] = useState<RecordRow[]>([]);
  const [recordId, setRecordId] = useState<string | null>(null);
  const [shown, setShown] = useState<string | null>(initialRun);

  const load = useCallback(
    () =>
      api<Page<RunSummary>>('GET', `/flows/${flowId}/runs?limit=30`).then(
        (page) => setRuns(page.items),
        fail,
      ),
    [flowId],
  );
  useEffect(() => {
    load();
  }, [load]);
  // New runs of this flow appear as they start; pushes come per step, so reads are batched.
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useLive('run.updated', () => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = undefined;
      load();
    }, 300);
  });
  useEffect(() => () => clearTimeout(pending.current), []);
  // Read when the picker opens, so records created since the panel opened are there.
  const loadRecords = useCallback(() => {
    if (!module) return;
    api<Page<RecordRow>>('GET', `/records/${module}?limit=50`).then(
      (page) => setRecords(page.items),
      () => setRecords([]),
    );
  }, [module]);
  useEffect(loadRecords, [loadRecords]);

  const [tested, setTested] = useState<RunDetail | null>(null);
  // A test run is synchronous and rolled back: its answer is the whole run, and nothing stays.
  const testRun = async () => {
    if (!recordId) return;
    const result = await api<TestRunResult>('POST', `/flows/${flowId}/test-runs`, { recordId }).catch(fail);
    if (!result) return;
    const run = testRunDetail(flowId, module ?? null, recordId, result);
    setShown(null);
    setTested(run);
    onRunShown(run);
  };

  const onShown = useCallback(
    (run: RunDetail) => {
      onRunShown(run);
      if (settled(run.status)) load();
    },
    [onRunShown, load],
  );

  return (
    <StepNames.Provider value={stepNames}>
      <ScrollArea h="100%">
        <Stack p="sm" gap="sm">
          <Group align="flex-end" gap="xs" wrap="nowrap">
            <Select
              size="xs"
              label={`Sample ${module ?? ''} record`}
              placeholder={module ? 'Pick a record' : 'The trigger has no module'}
              data={records.map((r) => ({ value: r.id, label: labelOf(r) }))}
              value={recordId}
              onChange={setRecordId}
              onDropdownOpen={loadRecords}
              searchable
              style={{ flex: 1 }}
            />
            <Button
              size="xs"
              onClick={testRun}
              disabled={!recordId || !saved}
              title={saved ? '' : 'Saving the draft…'}
            >
              Test run
            </Button>
          </Group>
          {tested && !shown && <RunTimeline run={tested} />}
          {shown && <RunView runId={shown} onShown={onShown} />}
          <Text size="xs" fw={700} c="dimmed" tt="uppercase">
            History
          </Text>
          {runs.length === 0 && (
            <Text size="xs" c="dimmed">
              No runs yet.
            </Text>
          )}
          {runs.map((run) => (
            <UnstyledButton
              key={run.id}
              onClick={() => setShown(run.id)}
              data-testid="run-row"
              p={4}
              style={{
                borderRadius: 6,
                background: run.id === shown ? 'var(--mantine-color-indigo-0)' : undefined,
              }}
            >
              <Group justify="space-between" wrap="nowrap">
                <Group gap={6}>
                  <Badge size="xs" color={statusColor[run.status] ?? 'gray'}>
                    {run.status}
                  </Badge>
                  <Text size="xs">{run.test ? 'test' : `v${run.version}`}</Text>
                </Group>
                <Text size="xs" c="dimmed">
                  {formatDateTime(run.startedAt)}
                </Text>
              </Group>
            </UnstyledButton>
          ))}
          <Button size="xs" variant="subtle" onClick={load}>
            Refresh
          </Button>
        </Stack>
      </ScrollArea>
    </StepNames.Provider>
  );
}
