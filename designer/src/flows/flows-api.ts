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
  updatedAt: string;
  stats: FlowStats;
}

export interface FlowDetail extends FlowSummary {
  draft: Flow;
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

export type RunStatus = 'running' | 'waiting' | 'done' | 'failed' | 'cancelled';

export interface RunSummary {
  id: string;
  flowId: string;
  version: number;
  status: RunStatus;
  test: boolean;
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
  running: 'blue',
  waiting: 'yellow',
  done: 'teal',
  failed: 'red',
  cancelled: 'gray',
};
