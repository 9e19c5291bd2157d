/**
 * A pool of sandbox workers (worker.ts). Code steps never run on the caller's event loop:
 * the pool posts each job to an idle worker and queues the rest. A worker that does not
 * answer within the job's time limit plus a grace period (QuickJS's interrupt failed to
 * fire, say inside one huge native call) is terminated and replaced, and the step fails
 * with a timeout; a worker that dies is replaced too. Other jobs are not affected.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type CodeJob, type CodeLimits, type CodeResult, defaultCodeLimits } from './protocol.ts';

export interface SandboxPool {
  run(job: Omit<CodeJob, 'limits'> & { limits?: Partial<CodeLimits> }): Promise<CodeResult>;
  /** Starts the workers now rather than at the first job. */
  warm(): Promise<void>;
  close(): Promise<void>;
  readonly size: number;
}

export interface SandboxPoolOptions {
  /** Worker threads; default: the cores less one, at least 1 and at most 4. */
  size?: number;
  /** Added to a job's time limit before its worker is terminated. */
  graceMs?: number;
}

interface Pending {
  id: number;
  job: CodeJob;
  resolve(result: CodeResult): void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  isReady: boolean;
  current?: Pending & { timer: NodeJS.Timeout };
}

const workerUrl = new URL('./worker.ts', import.meta.url);

export function createSandboxPool(options: SandboxPoolOptions = {}): SandboxPool {
  const size = options.size ?? Math.min(4, Math.max(1, availableParallelism() - 1));
  const graceMs = options.graceMs ?? 1000;
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let nextId = 1;
  let closed = false;
  let startFailures = 0;

  function failCurrent(slot: Slot, kind: 'timeout' | 'crash', message: string): void {
    const current = slot.current;
    if (!current) return;
    clearTimeout(current.timer);
    slot.current = undefined;
    current.resolve({ ok: false, error: { kind, message }, logs: [], durationMs: 0 });
  }

  function spawn(index: number): Slot {
    const worker = new Worker(workerUrl, {
      // Room for QuickJS's own (limited) stack inside the WebAssembly calls.
      resourceLimits: { stackSizeMb: 8 },
    });
    worker.unref();
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const slot: Slot = { worker, ready, isReady: false };
    worker.on('message', (message: { ready?: true; id?: number; result?: CodeResult }) => {
      if (message.ready) {
        slot.isReady = true;
        startFailures = 0;
        markReady();
        dispatch();
        return;
      }
      const current = slot.current;
      if (!current || current.id !== message.id || !message.result) return;
      clearTimeout(current.timer);
      slot.current = undefined;
      current.resolve(message.result);
      dispatch();
    });
    worker.on('error', () => {});
    worker.on('exit', () => {
      failCurrent(slot, 'crash', 'the sandbox failed while running the code');
      if (closed || slots[index] !== slot) return;
      if (!slot.isReady && ++startFailures >= 3) {
        // The sandbox cannot start at all: fail what waits rather than respawn forever.
        slots.splice(0);
        for (const pending of queue.splice(0))
          pending.resolve({
            ok: false,
            error: { kind: 'crash', message: 'the sandbox could not start' },
            logs: [],
            durationMs: 0,
          });
        return;
      }
      slots[index] = spawn(index);
    });
    return slot;
  }

  function ensureStarted(): void {
    if (slots.length === 0) for (let i = 0; i < size; i += 1) slots.push(spawn(i));
  }

  function dispatch(): void {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (slot.current || !slot.isReady) continue;
      const pending = queue.shift() as Pending;
      const index = slots.indexOf(slot);
      const timer = setTimeout(() => {
        failCurrent(slot, 'timeout', 'the code ran past its time limit');
        slots[index] = spawn(index);
        void slot.worker.terminate();
        dispatch();
      }, pending.job.limits.timeMs + graceMs);
      slot.current = { ...pending, timer };
      slot.worker.postMessage({ id: pending.id, job: pending.job });
    }
  }

  return {
    size,
    run(job) {
      if (closed) return Promise.reject(new Error('the sandbox pool is closed'));
      ensureStarted();
      const limits: CodeLimits = { ...defaultCodeLimits, ...job.limits };
      return new Promise<CodeResult>((resolve) => {
        queue.push({ id: nextId++, job: { ...job, limits }, resolve });
        dispatch();
      });
    },
    async warm() {
      ensureStarted();
      await Promise.all(slots.map((slot) => slot.ready));
    },
    async close() {
      closed = true;
      for (const pending of queue.splice(0))
        pending.resolve({
          ok: false,
          error: { kind: 'crash', message: 'the sandbox pool closed' },
          logs: [],
          durationMs: 0,
        });
      await Promise.all(
        slots.splice(0).map((slot) => {
          failCurrent(slot, 'crash', 'the sandbox pool closed');
          return slot.worker.terminate();
        }),
      );
    },
  };
}
