/** The executions API's answers (`GET /api/runs`, `GET /api/runs/:id`) and how they read. */
import type { Flow } from '../../../schemas/flow.ts';
import type { RunStep, RunSummary } from '../flows/flows-api.ts';
import type { Decisions } from '../model/run-path.ts';

export interface Execution extends RunSummary {
  flowName: string;
  recordName: string | null;
  durationMs: number | null;
  errorSummary: string | null;
}

export interface ExecutionDetail extends Execution {
  steps: RunStep[];
  definition: Flow | null;
  input: unknown;
  decisions: Decisions | null;
}

export const statusLabel: Record<string, string> = {
  queued: 'Queued',
  running: 'Running',
  waiting: 'Waiting',
  succeeded: 'Succeeded',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const settled = (status: string) => ['succeeded', 'failed', 'cancelled'].includes(status);

/** 850 ms, 4.2 s, 3 min 5 s, 2 h 10 min. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A step's or run's error as a sentence: its message, never the JSON around it. */
export function errorText(error: unknown): string | null {
  if (error === null || error === undefined) return null;
  if (typeof error === 'string') return error;
  if (typeof error === 'object') {
    const { message, error: inner } = error as { message?: unknown; error?: unknown };
    if (typeof message === 'string') return message;
    if (inner !== undefined) return errorText(inner);
  }
  return 'It failed';
}

export const timeRanges = [
  { value: 'hour', label: 'Last hour', ms: 3_600_000 },
  { value: 'day', label: 'Last 24 hours', ms: 86_400_000 },
  { value: 'week', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: 'month', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

export interface ExecutionFilters {
  flowId: string | null;
  status: string | null;
  module: string | null;
  q: string;
  range: string | null;
}

export const noFilters: ExecutionFilters = { flowId: null, status: null, module: null, q: '', range: null };

/** The filters as the page's own query string (a deep link) and as the API's. */
export function filtersFrom(search: string): ExecutionFilters {
  const params = new URLSearchParams(search);
  return {
    flowId: params.get('flow'),
    status: params.get('status'),
    module: params.get('module'),
    q: params.get('q') ?? '',
    range: params.get('range'),
  };
}

export function pageQuery(filters: ExecutionFilters): string {
  const params = new URLSearchParams();
  if (filters.flowId) params.set('flow', filters.flowId);
  if (filters.status) params.set('status', filters.status);
  if (filters.module) params.set('module', filters.module);
  if (filters.module && filters.q.trim()) params.set('q', filters.q.trim());
  if (filters.range) params.set('range', filters.range);
  return params.toString();
}

export function apiQuery(filters: ExecutionFilters, now: number): string {
  const params = new URLSearchParams({ limit: '50' });
  if (filters.flowId) params.set('flowId', filters.flowId);
  if (filters.status) params.set('status', filters.status);
  if (filters.module) params.set('module', filters.module);
  if (filters.module && filters.q.trim()) params.set('q', filters.q.trim());
  const range = timeRanges.find((r) => r.value === filters.range);
  if (range) params.set('from', new Date(now - range.ms).toISOString());
  return params.toString();
}
