/**
 * Issue 19's memory target (Weft idle ≤ 200 MB resident): the packages a feature needs only
 * now and then are imported by their first use, not when Weft starts. Each of these held
 * megabytes resident in every process from its start (bench/README.md, "Memory"). This loads
 * everything `server/main.ts` loads before it starts anything (server/weft.ts and, through it,
 * the app, the queue's workers and the engine) in a process of its own, with a module hook
 * that lists every file loaded, and checks none of them is in the startup graph.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '..');

/** Imported on first use: XLSX imports, mail parsing, IMAP, SMTP sending and receiving, all-data archives. */
const lazy = ['exceljs', 'mailparser', 'imapflow', 'nodemailer', 'smtp-server', 'jszip'];

const script = `
import { registerHooks } from 'node:module';
const loaded = new Set();
registerHooks({
  load(url, context, nextLoad) {
    // nodemailer's address parser (one file of its own) is needed to check addresses: not the package.
    const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(?!.*addressparser\\/)/.exec(url);
    if (match) loaded.add(match[1]);
    return nextLoad(url, context);
  },
});
await import('./server/weft.ts');
console.log(JSON.stringify([...loaded].sort()));
process.exit(0);
`;

test('starting Weft imports none of the rarely used heavy packages', () => {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  const loaded = JSON.parse(output.trim().split('\n').at(-1) ?? '[]') as string[];
  // The hook sees the startup graph at all: the packages every start needs are there.
  for (const needed of ['fastify', 'kysely', 'pg-boss']) assert.ok(loaded.includes(needed), needed);
  const heavy = lazy.filter((name) => loaded.includes(name));
  assert.deepEqual(heavy, [], `loaded at start: ${heavy.join(', ')}`);
});
