/** The flows API's answers, as the SPA reads them. */
import type { Flow } from '../../../schemas/flow.ts';

export interface FlowStats {
  runs: number;
  failed: number;
  lastStatus: string | null;
  lastRunAt: string | null;
}

export interface FlowSummary {
  id: string;
  name: string;
  description: string | null;
  active: boolean;
  publishedVersion: number | null;
  triggerType: string | null;
  triggerModule: string | null;
  /** The owner the flow acts as (null: that user is gone; the first administrator then). */
  createdBy?: string | null;
  updatedAt: string;
  /** The draft differs from the published version. */
  unpublishedChanges?: boolean;
  stats: FlowStats;
}

export interface FlowDetail extends FlowSummary {
  draft: Flow;
  /** Signs the inbound webhook trigger's deliveries (admins read flows). */
  webhookSecret: string | null;
}

export interface Problem {
  code: string;
  message: string;
  nodeId?: string;
  edgeId?: string;
  path?: string;
}

export interface FlowVersion {
  version: number;
  definition: Flow;
  publishedAt?: string;
  createdAt?: string;
}

export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';

export interface RunSummary {
  id: string;
  flowId: string;
  version: number;
  status: RunStatus;
  /** Only a synchronous test run of the draft (never stored) says so. */
  test?: boolean;
  module: string | null;
  recordId: string | null;
  startedAt: string;
  finishedAt: string | null;
  error: unknown;
}

export interface RunStep {
  nodeId: string;
  iteration: number;
  nodeType: string;
  status: string;
  attempt: number;
  input: unknown;
  output: unknown;
  error: unknown;
  startedAt: string;
  finishedAt: string | null;
}

export interface RunDetail extends RunSummary {
  steps: RunStep[];
}

export const statusColor: Record<string, string> = {
  queued: 'grape',
  running: 'blue',
  waiting: 'yellow',
  succeeded: 'teal',
  done: 'teal',
  failed: 'red',
  cancelled: 'gray',
};

/** What `POST /api/flows/:id/test-runs` answers (engine/runtime/test-run.ts). */
export interface TestRunResult {
  status: RunStatus;
  path: string[];
  steps: {
    nodeId: string;
    nodeType: string;
    input: unknown;
    output?: unknown;
    error?: unknown;
    note?: string;
  }[];
  output?: unknown;
  failure?: unknown;
}

/** A test run's answer in the shape run views draw. */
export function testRunDetail(
  flowId: string,
  module: string | null,
  recordId: string,
  result: TestRunResult,
): RunDetail {
  const now = new Date().toISOString();
  const stepOf = (
    nodeId: string,
    nodeType: string,
    failed: boolean,
    input: unknown,
    output: unknown,
    error: unknown,
  ): RunStep => ({
    nodeId,
    iteration: 1,
    nodeType,
    status: failed ? 'failed' : 'done',
    attempt: 1,
    input,
    output,
    error,
    startedAt: now,
    finishedAt: now,
  });
  const ran = result.steps.map((step) =>
    stepOf(
      step.nodeId,
      step.nodeType,
      Boolean(step.error),
      step.input,
      step.note ? { note: step.note, ...(step.output as object) } : (step.output ?? null),
      step.error ?? null,
    ),
  );
  // In the order of the path, with the branches, splits and joins it went through, so the
  // whole path is highlighted; steps off the path (a failure's) come last.
  const onPath = result.path.flatMap((nodeId) => {
    const steps = ran.filter((step) => step.nodeId === nodeId);
    return steps.length > 0 ? steps : [stepOf(nodeId, 'control', false, null, null, null)];
  });
  return {
    id: 'test-run',
    flowId,
    version: 0,
    status: result.status,
    test: true,
    module,
    recordId,
    startedAt: now,
    finishedAt: now,
    error: result.failure ?? null,
    steps: [...onPath, ...ran.filter((step) => !result.path.includes(step.nodeId))],
  };
}
