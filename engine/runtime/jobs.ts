import { createHash } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import type { PgBoss, SendOptions } from 'pg-boss';

type JobDatabase = NonNullable<SendOptions['db']>;

export const queues = {
  /** One side-effecting step of a run. */
  step: 'weft.flow.step',
  /** A wait that has elapsed. */
  wait: 'weft.flow.wait',
} as const;

export interface StepJob {
  runId: string;
  nodeId: string;
  iteration: number;
  nodeType: string;
  params: unknown;
  maxAttempts: number;
  /** Attempts made by earlier jobs of this step (a retry the remote asked to delay). */
  previousAttempts?: number;
}

export interface WaitJob {
  runId: string;
  nodeId: string;
  iteration: number;
}

/** pg-boss writes through the caller's transaction: the job exists if and only if the transaction commits. */
export function inTransaction<DB>(trx: Kysely<DB>): JobDatabase {
  return {
    executeSql: async (text: string, values?: unknown[]) => {
      const result = await trx.executeQuery(CompiledQuery.raw(text, (values ?? []) as unknown[]));
      return { rows: result.rows as unknown[] };
    },
  };
}

/**
 * A job id derived from the step's idempotency key (run, node, iteration): enqueueing the
 * same step twice inserts one job.
 */
export function jobId(...parts: (string | number)[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export async function sendJob<DB>(
  boss: PgBoss,
  trx: Kysely<DB>,
  queue: string,
  data: object,
  options: SendOptions,
): Promise<void> {
  await boss.send(queue, data, { ...options, db: inTransaction(trx) });
}

export async function createQueues(boss: PgBoss): Promise<void> {
  for (const name of Object.values(queues)) await boss.createQueue(name);
}
