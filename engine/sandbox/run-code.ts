/**
 * One code step in QuickJS: a fresh runtime and context per run (nothing survives between
 * runs, so one run cannot observe another), with a memory limit, a stack limit and an
 * interrupt at the wall-time deadline. The context has only the language's own globals:
 * no process, require, modules, timers, SharedArrayBuffer or Atomics; `Date` answers with
 * the run's clock; `console` writes to the step's log. Called inside a worker thread only.
 */
import { stripTypeScriptTypes } from 'node:module';
import type { QuickJSContext, QuickJSHandle, QuickJSWASMModule } from 'quickjs-emscripten';
import type { CodeError, CodeJob, CodeResult, LogLine } from './protocol.ts';

/** The author's source sits after this on its first line, so only line 1's columns shift. */
const prefix = '(function () {';
const fileName = 'step.js';
/** QuickJS's own stack for JavaScript frames; below what the worker's native stack can hold. */
const maxStackBytes = 256 * 1024;

/** TypeScript is stripped in place (types become blanks), so line and column stay the author's. */
export function wrapSource(source: string, language: CodeJob['language']): string {
  const wrapped = `${prefix}${source}\n})`;
  return language === 'ts' ? stripTypeScriptTypes(wrapped, { mode: 'strip' }) : wrapped;
}

/** Runs before the author's code: the inputs as globals, the run's clock, the host's reach removed. */
function setupScript(job: CodeJob): string {
  const input = JSON.stringify(JSON.stringify(job.input));
  return `"use strict";
(() => {
  const input = JSON.parse(${input});
  for (const name of ['record', 'previous', 'trigger', 'user', 'vars', 'steps'])
    Object.defineProperty(globalThis, name, { value: input[name] ?? null, writable: true, configurable: true });
  // The record's linked records: read-only (frozen all the way down, the name not reassignable).
  const freeze = (value) => {
    if (value !== null && typeof value === 'object') {
      Object.freeze(value);
      for (const key of Object.keys(value)) freeze(value[key]);
    }
    return value;
  };
  Object.defineProperty(globalThis, 'linked', { value: freeze(input.linked ?? {}), writable: false, configurable: false });
  const now = ${Number(job.now)};
  const RealDate = Date;
  class RunDate extends RealDate {
    constructor(...args) { if (args.length === 0) super(now); else super(...args); }
    static now() { return now; }
  }
  Object.defineProperty(globalThis, 'Date', { value: RunDate, writable: true, configurable: true });
  for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly']) delete globalThis[name];
})();`;
}

function location(stack: unknown): Pick<CodeError, 'line' | 'column'> {
  const match = typeof stack === 'string' ? /step\.js:(\d+)(?::(\d+))?/.exec(stack) : null;
  if (!match) return {};
  const line = Number(match[1]);
  const column = match[2] === undefined ? undefined : Number(match[2]);
  if (column === undefined) return { line };
  return { line, column: line === 1 ? Math.max(1, column - prefix.length) : column };
}

function describeThrown(context: QuickJSContext, handle: QuickJSHandle): CodeError {
  const value = context.dump(handle) as unknown;
  const error = (value !== null && typeof value === 'object' ? value : { message: String(value) }) as {
    name?: unknown;
    message?: unknown;
    stack?: unknown;
  };
  const message = String(error.message ?? '').slice(0, 500);
  const name = typeof error.name === 'string' ? error.name : 'Error';
  if (name === 'InternalError' && message === 'interrupted')
    return { kind: 'timeout', message: 'the code ran past its time limit' };
  if (name === 'InternalError' && message === 'stack overflow')
    return {
      kind: 'stack',
      message: 'the code recursed too deeply (stack overflow)',
      ...location(error.stack),
    };
  if (message === 'out of memory' || (name === 'InternalError' && /memory|too long|too large/i.test(message)))
    return { kind: 'memory', message: 'the code used more memory than its limit' };
  const kind = name === 'SyntaxError' ? 'syntax' : 'runtime';
  return { kind, message: `${name}: ${message}`, ...location(error.stack) };
}

export function runCode(quickjs: QuickJSWASMModule, job: CodeJob): CodeResult {
  const started = performance.now();
  const logs: LogLine[] = [];
  const done = (result: { ok: true; output: unknown } | { ok: false; error: CodeError }): CodeResult =>
    ({ ...result, logs, durationMs: performance.now() - started }) as CodeResult;

  let code: string;
  try {
    code = `${wrapSource(job.source, job.language)}()`;
  } catch (error) {
    // Node's stripper reports "file:line:column" in its message for TypeScript it cannot parse.
    const text = error instanceof Error ? error.message : String(error);
    const at = /:(\d+):(\d+)/.exec(text);
    const line = at ? Number(at[1]) : undefined;
    const column = at ? Number(at[2]) : undefined;
    return done({
      ok: false,
      error: {
        kind: 'syntax',
        message: text.split('\n')[0]?.slice(0, 500) ?? 'invalid TypeScript',
        ...(line !== undefined && { line }),
        ...(column !== undefined && { column: line === 1 ? Math.max(1, column - prefix.length) : column }),
      },
    });
  }

  const runtime = quickjs.newRuntime();
  const deadline = Date.now() + job.limits.timeMs;
  runtime.setMemoryLimit(job.limits.memoryBytes);
  runtime.setMaxStackSize(maxStackBytes);
  runtime.setInterruptHandler(() => Date.now() > deadline);
  const context = runtime.newContext();
  let logBytes = 0;
  const handles: QuickJSHandle[] = [];
  const keep = (handle: QuickJSHandle): QuickJSHandle => {
    handles.push(handle);
    return handle;
  };
  try {
    const console = context.newObject();
    for (const level of ['log', 'info', 'warn', 'error'] as const) {
      const fn = context.newFunction(level, (...args) => {
        if (logBytes >= job.limits.logBytes) return;
        const text = args
          .map((arg) => {
            if (context.typeof(arg) === 'string') return context.getString(arg);
            const json = context.dump(arg) as unknown;
            return typeof json === 'string' ? json : JSON.stringify(json);
          })
          .join(' ');
        const room = job.limits.logBytes - logBytes;
        logBytes += Math.min(text.length, room);
        logs.push({ level, text: text.length > room ? `${text.slice(0, room)}… (log limit reached)` : text });
      });
      context.setProp(console, level, fn);
      fn.dispose();
    }
    context.setProp(context.global, 'console', console);
    console.dispose();

    const setup = context.evalCode(setupScript(job), 'setup.js');
    if (setup.error) {
      const error = describeThrown(context, keep(setup.error));
      return done({ ok: false, error: { ...error, kind: 'crash' } });
    }
    keep(setup.value);
    // Taken before the author's code runs, which may replace the global JSON.
    const stringify = keep(context.getProp(keep(context.getProp(context.global, 'JSON')), 'stringify'));

    const result = context.evalCode(code, fileName);
    if (result.error) return done({ ok: false, error: describeThrown(context, keep(result.error)) });
    let value = keep(result.value);
    const first = context.getPromiseState(value);
    if (!(first.type === 'fulfilled' && first.notAPromise)) {
      // An async function: run its jobs (still under the deadline), then read the promise.
      if (first.type === 'fulfilled') keep(first.value);
      const pending = runtime.executePendingJobs();
      if (pending.error) return done({ ok: false, error: describeThrown(context, keep(pending.error)) });
      const settled = context.getPromiseState(value);
      if (settled.type === 'pending')
        return done({ ok: false, error: { kind: 'runtime', message: 'the code’s promise never settled' } });
      if (settled.type === 'rejected')
        return done({ ok: false, error: describeThrown(context, keep(settled.error)) });
      value = keep(settled.value);
    }

    const text = context.callFunction(stringify, context.undefined, value);
    if (text.error) {
      const error = describeThrown(context, keep(text.error));
      return done({
        ok: false,
        error:
          error.kind === 'runtime'
            ? { kind: 'output', message: `the returned value is not JSON (${error.message})` }
            : error,
      });
    }
    const json = keep(text.value);
    // undefined (no return) is no output.
    if (context.typeof(json) !== 'string') return done({ ok: true, output: null });
    const length = context.getNumber(keep(context.getProp(json, 'length')));
    if (length > job.limits.outputBytes) {
      return done({
        ok: false,
        error: {
          kind: 'output',
          message: `the returned value is larger than ${job.limits.outputBytes} bytes`,
        },
      });
    }
    const output = JSON.parse(context.getString(json), (key, item) => {
      if (key === '__proto__') throw new Error('the returned value has a "__proto__" key');
      return item;
    }) as unknown;
    return done({ ok: true, output });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/memory/i.test(message))
      return done({
        ok: false,
        error: { kind: 'memory', message: 'the code used more memory than its limit' },
      });
    return done({ ok: false, error: { kind: 'output', message } });
  } finally {
    for (const handle of handles) if (handle.alive) handle.dispose();
    context.dispose();
    runtime.dispose();
  }
}
