/**
 * A sandbox worker: loads QuickJS once, then runs one code step at a time as the pool
 * sends them. Each step gets its own QuickJS runtime (run-code.ts); this thread only
 * carries JSON in and out. A failure of the sandbox itself ends the thread (the pool
 * starts another), so a worker in an unknown state never runs another step.
 */
import { parentPort } from 'node:worker_threads';
import { newQuickJSWASMModule, RELEASE_SYNC } from 'quickjs-emscripten';
import type { CodeJob, CodeResult } from './protocol.ts';
import { runCode } from './run-code.ts';

const port = parentPort;
if (!port) throw new Error('engine/sandbox/worker.ts runs as a worker thread');
const quickjs = await newQuickJSWASMModule(RELEASE_SYNC);

port.on('message', (message: { id: number; job: CodeJob }) => {
  let result: CodeResult;
  let fatal = false;
  try {
    result = runCode(quickjs, message.job);
  } catch (error) {
    fatal = true;
    result = {
      ok: false,
      error: {
        kind: error instanceof RangeError ? 'stack' : 'crash',
        message: error instanceof RangeError ? 'the code recursed too deeply' : 'the sandbox failed',
      },
      logs: [],
      durationMs: 0,
    };
  }
  port.postMessage({ id: message.id, result });
  if (fatal) process.exit(1);
});
port.postMessage({ ready: true });
