import type { FlowRuntime } from '../../engine/runtime/runtime.ts';
import type { Db } from '../db/index.ts';

/**
 * A server transaction in which runs are started or advanced; steps they ready run in this
 * process once it commits. (The engine's tables are part of the server's database: its
 * view of the transaction is the server's own.)
 */
export function runTransaction<T>(runtime: FlowRuntime, work: (trx: Db) => Promise<T>): Promise<T> {
  return runtime.transaction((trx) => work(trx as unknown as Db));
}
