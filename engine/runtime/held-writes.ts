/**
 * Writes a batch of steps holds back to its end. A batch (./step-batch.ts) runs the actions
 * of up to 32 runs in one transaction; rows their services write and nothing later in the
 * transaction reads (changelog rows, outbox events, feed posts) can go in one statement for
 * the whole batch rather than one or two per step. The batch marks its transaction; the
 * services, seeing the mark, hold such rows and register how to write them (`atBatchEnd`);
 * the batch writes them (`writeHeld`) before it settles its steps, in the same transaction,
 * so they commit with the steps or not at all. A transaction without the mark (a step run
 * alone, a test run) writes everything at once.
 */
import type { EngineDb } from './tables.ts';

/** Marked transactions, with the writers of what their services hold. */
const batches = new WeakMap<object, (() => Promise<void>)[]>();

export function markBatch(trx: EngineDb): void {
  if (!batches.has(trx)) batches.set(trx, []);
}

export function isBatch(trx: EngineDb): boolean {
  return batches.has(trx);
}

/** Registers how to write what a service holds in this batch (called by `writeHeld`, maybe more than once). */
export function atBatchEnd(trx: EngineDb, write: () => Promise<void>): void {
  batches.get(trx)?.push(write);
}

/** Writes what the batch's services hold so far; they go on holding what comes after. */
export async function writeHeld(trx: EngineDb): Promise<void> {
  for (const write of batches.get(trx) ?? []) await write();
}
