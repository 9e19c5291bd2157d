import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Flow } from '../../schemas/flow.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

/** `queued`: waiting for an earlier run of the flow on the same record, or for the flow's concurrency limit. */
export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled';
export type StepStatus = 'running' | 'done' | 'failed' | 'waiting';

export interface FlowsTable {
  id: Generated<string>;
  name: string;
  description: string | null;
  draft: Json<Flow>;
  active: Generated<boolean>;
  publishedVersion: number | null;
  triggerType: string | null;
  triggerModule: string | null;
  webhookSecret: string | null;
  /** When the flow was last switched off (migration 0019): waits of runs started before then are cancelled. */
  deactivatedAt: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  createdBy: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface FlowVersionsTable {
  flowId: string;
  version: number;
  definition: Json<Flow>;
  publishedBy: string | null;
  publishedAt: Timestamp;
}

export interface FlowRunsTable {
  id: Generated<string>;
  flowId: string;
  version: number;
  status: RunStatus;
  eventId: number | null;
  module: string | null;
  recordId: string | null;
  depth: Generated<number>;
  /** The first event of the chain of causes that started the run (null: none, e.g. a manual run). */
  causationRoot: number | null;
  parentRunId: string | null;
  parentNodeId: string | null;
  input: Json<Record<string, unknown>>;
  snapshot: Json<unknown>;
  output: Json<unknown> | null;
  error: Json<unknown> | null;
  startedAt: Timestamp;
  updatedAt: Timestamp;
  finishedAt: Date | string | null;
}

export interface FlowStepsTable {
  id: Generated<number>;
  runId: string;
  nodeId: string;
  iteration: number;
  nodeType: string;
  status: StepStatus;
  attempt: Generated<number>;
  input: Json<unknown> | null;
  output: Json<unknown> | null;
  error: Json<unknown> | null;
  startedAt: Timestamp;
  finishedAt: Date | string | null;
}

export interface FlowTriggerLogTable {
  id: Generated<number>;
  flowId: string;
  eventId: number | null;
  outcome: 'started' | 'conditions' | 'depth-limit' | 'cycle' | 'error';
  runId: string | null;
  detail: string | null;
  createdAt: Timestamp;
}

/** The tables the engine owns; the server's Database extends this. */
export interface EngineTables {
  flows: FlowsTable;
  flowVersions: FlowVersionsTable;
  flowRuns: FlowRunsTable;
  flowSteps: FlowStepsTable;
  flowTriggerLog: FlowTriggerLogTable;
}

export type EngineDb = Kysely<EngineTables>;
