import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { createSandboxPool } from './pool.ts';
import type { CodeErrorKind, CodeResult } from './protocol.ts';

// The default size: the cores less one, so the caller keeps a core (one worker on this 2-core machine).
const pool = createSandboxPool({ graceMs: 1500 });
before(() => pool.warm());
after(() => pool.close());

const now = Date.parse('2026-03-14T10:00:00.000Z');
const input = {
  record: { id: 'r1', firstName: 'Ada', amount: 120, tags: ['vip'] },
  previous: { id: 'r1', firstName: 'Ada', amount: 100 },
  trigger: { module: 'contacts' },
  user: { id: 'u1', email: 'ada@example.com' },
  vars: { rate: 1.2 },
  steps: { n1: { output: { status: 200 } } },
};

const run = (
  source: string,
  extra: { language?: 'js' | 'ts'; timeMs?: number; memoryBytes?: number; outputBytes?: number } = {},
) =>
  pool.run({
    source,
    language: extra.language ?? 'js',
    input,
    now,
    limits: {
      ...(extra.timeMs !== undefined && { timeMs: extra.timeMs }),
      ...(extra.memoryBytes !== undefined && { memoryBytes: extra.memoryBytes }),
      ...(extra.outputBytes !== undefined && { outputBytes: extra.outputBytes }),
    },
  });

function failed(
  result: CodeResult,
  kind: CodeErrorKind,
): { message: string; line?: number; column?: number } {
  assert.equal(result.ok, false, `expected a ${kind} error, got ${JSON.stringify(result)}`);
  if (result.ok) throw new Error('unreachable');
  assert.equal(result.error.kind, kind, JSON.stringify(result.error));
  return result.error;
}

describe('code steps: what they can do', () => {
  test('reads the run’s data and returns JSON', async () => {
    const result = await run(
      'const total = record.amount * vars.rate;\nreturn { total, grew: record.amount > previous.amount, who: user.email, status: steps.n1.output.status, module: trigger.module };',
    );
    assert.deepEqual(result.ok && result.output, {
      total: 144,
      grew: true,
      who: 'ada@example.com',
      status: 200,
      module: 'contacts',
    });
  });

  test('TypeScript is stripped, and its errors point at the author’s line', async () => {
    const ok = await run(
      'interface Out { n: number }\nconst n: number = record.amount as number;\nconst out: Out = { n };\nreturn out;',
      { language: 'ts' },
    );
    assert.deepEqual(ok.ok && ok.output, { n: 120 });
    const bad = failed(
      await run('const n: number = 1;\nconst m: string = null;\nm.length;\nreturn n;', { language: 'ts' }),
      'runtime',
    );
    assert.equal(bad.line, 3);
    assert.match(bad.message, /TypeError/);
  });

  test('errors carry line and column in the author’s source', async () => {
    const error = failed(await run('const a = 1;\nconst b = record.missing.deep;\nreturn b;'), 'runtime');
    assert.equal(error.line, 2);
    assert.equal(error.column, 25);
    const first = failed(await run('return record.nothing.x;'), 'runtime');
    assert.deepEqual([first.line, first.column], [1, 22]);
    const thrown = failed(await run('\n\nthrow new Error("no amount");'), 'runtime');
    assert.equal(thrown.message, 'Error: no amount');
    assert.equal(thrown.line, 3);
    failed(await run('return {;'), 'syntax');
    failed(await run('const x: = 1;', { language: 'ts' }), 'syntax');
  });

  test('console lines are captured', async () => {
    const result = await run(
      'console.log("total", record.amount, { a: 1 });\nconsole.warn("careful");\nreturn 1;',
    );
    assert.deepEqual(result.logs, [
      { level: 'log', text: 'total 120 {"a":1}' },
      { level: 'warn', text: 'careful' },
    ]);
  });

  test('Date is the run’s clock', async () => {
    const result = await run(
      'return [Date.now(), new Date().toISOString(), new Date(0).toISOString(), new Date() instanceof Date];',
    );
    assert.deepEqual(result.ok && result.output, [
      now,
      '2026-03-14T10:00:00.000Z',
      '1970-01-01T00:00:00.000Z',
      true,
    ]);
  });

  test('async code settles', async () => {
    const result = await run(
      'const v = await Promise.resolve(record.amount);\nreturn { v };'
        .replace('const v = await', 'return (async () => { const v = await')
        .replace('return { v };', 'return { v }; })();'),
    );
    assert.deepEqual(result.ok && result.output, { v: 120 });
  });

  test('no return is null; non-JSON values are refused', async () => {
    const none = await run('const x = 1;');
    assert.deepEqual(none.ok && none.output, null);
    const cyclic = failed(await run('const a = {}; a.self = a; return a;'), 'output');
    assert.match(cyclic.message, /not JSON/);
  });
});

describe('code steps: the abuse suite', () => {
  const cases: Array<
    [
      name: string,
      source: string,
      kind: CodeErrorKind,
      limits?: { timeMs?: number; memoryBytes?: number; outputBytes?: number },
    ]
  > = [
    ['infinite loop', 'while (true) {}', 'timeout', { timeMs: 200 }],
    [
      'infinite loop in a for with try/catch swallowing',
      'for (;;) { try { while (true) {} } catch (e) {} }',
      'timeout',
      { timeMs: 200 },
    ],
    ['deep recursion', 'function f(n) { return f(n + 1) + 1; }\nreturn f(0);', 'stack'],
    [
      'memory bomb: doubling string',
      'let s = "x"; while (true) s += s;',
      'memory',
      { memoryBytes: 16 * 1024 * 1024 },
    ],
    [
      'memory bomb: growing array',
      'const a = []; while (true) a.push({ n: a.length, s: "abc" + a.length });',
      'memory',
      { memoryBytes: 4 * 1024 * 1024, timeMs: 5000 },
    ],
    ['huge output', 'return "x".repeat(1024 * 1024);', 'output', { outputBytes: 64 * 1024 }],
    ['unresolved promise', 'return new Promise(() => {});', 'runtime'],
    ['import()', 'return import("node:fs");', 'runtime'],
    ['static import', 'import fs from "node:fs";\nreturn 1;', 'syntax'],
    ['require', 'return require("child_process");', 'runtime'],
    ['process', 'return process.env;', 'runtime'],
    [
      'constructor escape to a Function',
      'const F = (() => {}).constructor;\nreturn F("return process")().env;',
      'runtime',
    ],
    [
      'prototype trick on the host’s console',
      'return console.log.constructor("return process")().mainModule;',
      'runtime',
    ],
    ['SharedArrayBuffer', 'return new SharedArrayBuffer(8);', 'runtime'],
    ['Atomics', 'return Atomics.wait(new Int32Array(4), 0, 0, 1000);', 'runtime'],
    ['timers', 'setTimeout(() => {}, 10); return 1;', 'runtime'],
    ['fetch', 'return fetch("http://example.com");', 'runtime'],
    ['returns a __proto__ key', 'return JSON.parse(\'{"__proto__": {"polluted": true}}\');', 'output'],
  ];
  for (const [name, source, kind, limits] of cases) {
    test(`${name}: stopped with a ${kind} error`, async () => {
      const error = failed(await run(source, limits), kind);
      assert.ok(error.message.length > 0);
    });
  }

  test('globalThis holds only the language’s own objects', async () => {
    const result = await run(
      'return Object.getOwnPropertyNames(globalThis).filter((n) => !/^[A-Z]/.test(n)).sort();',
    );
    assert.ok(result.ok);
    const names = result.output as string[];
    for (const host of [
      'process',
      'require',
      'module',
      'setTimeout',
      'setInterval',
      'fetch',
      'os',
      'std',
      'performance',
    ])
      assert.ok(!names.includes(host), `${host} is reachable: ${names.join(', ')}`);
    const upper = await run('return Object.getOwnPropertyNames(globalThis).filter((n) => /^[A-Z]/.test(n));');
    assert.ok(upper.ok);
    for (const host of ['SharedArrayBuffer', 'Atomics', 'WebAssembly'])
      assert.ok(!(upper.output as string[]).includes(host), `${host} is reachable`);
  });

  test('a run leaves nothing for the next one (no shared state, no clock to time others)', async () => {
    await run('globalThis.leak = "secret"; Object.prototype.polluted = 1; return 1;');
    const result = await run('return [typeof leak, typeof ({}).polluted, Date.now()];');
    assert.deepEqual(result.ok && result.output, ['undefined', 'undefined', now]);
  });

  test('the pool survives the abuse: a normal step still runs', async () => {
    await Promise.all([run('while (true) {}', { timeMs: 100 }), run('let s = "x"; while (true) s += s;')]);
    const result = await run('return record.firstName;');
    assert.deepEqual(result.ok && result.output, 'Ada');
  });
});

test('50 code steps at once do not block the event loop', async () => {
  // The same measurement with nothing to do first: on a shared machine the loop is delayed anyway.
  const idle = monitorEventLoopDelay({ resolution: 5 });
  idle.enable();
  await new Promise((resolve) => setTimeout(resolve, 400));
  idle.disable();
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      run(`let s = 0; for (let k = 0; k < 20000; k += 1) s += k % ${i + 1}; return { i: ${i}, s };`),
    ),
  );
  const elapsed = performance.now() - started;
  histogram.disable();
  assert.equal(results.filter((r) => r.ok).length, 50);
  const ms = (h: ReturnType<typeof monitorEventLoopDelay>, p: number) => (h.percentile(p) / 1e6).toFixed(1);
  console.log(
    `# 50 code steps in ${elapsed.toFixed(0)} ms; event-loop delay p50 ${ms(histogram, 50)} ms, p99 ${ms(histogram, 99)} ms, max ${(histogram.max / 1e6).toFixed(1)} ms (idle loop: p50 ${ms(idle, 50)}, p99 ${ms(idle, 99)}, max ${(idle.max / 1e6).toFixed(1)} ms)`,
  );
  // A sanity bound only (the machine is shared): the work itself takes far longer than this.
  assert.ok(histogram.max / 1e6 < 250, `event loop blocked for ${(histogram.max / 1e6).toFixed(1)} ms`);
});
