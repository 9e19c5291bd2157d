import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createTestDatabase } from './helpers/db.ts';
import { startWeftProcess, stopWeftProcess } from './helpers/weft-process.ts';

const _root = path.resolve(import.meta.dirname, '..');
const dataDir = await mkdtemp(path.join(tmpdir(), 'weft-start-'));
await chmod(dataDir, 0o755);
after(() => rm(dataDir, { recursive: true, force: true }));

function postgresProcessesFor(dir: string): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes('postgres') && line.includes(dir));
}

const start = (env: Record<string, string>) => startWeftProcess({ WEFT_DATA_DIR: dataDir, ...env });

let adminPassword = '';

test('first start: embedded PostgreSQL, healthy, admin password printed once, clean SIGTERM', async () => {
  const weft = await start({ WEFT_ADMIN_PASSWORD: '' });
  const health = await fetch(`${weft.url}/api/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok', database: 'ok', queue: 'ok' });
  const printed = /password: (\S+)/.exec(weft.output());
  assert.ok(printed?.[1], weft.output());
  adminPassword = printed[1];
  assert.equal(postgresProcessesFor(dataDir).length > 0, true, 'the embedded cluster runs from the data dir');
  assert.equal(await stopWeftProcess(weft, 'SIGTERM'), 0);
  assert.deepEqual(postgresProcessesFor(dataDir), [], 'no postgres process is left behind');
});

test('second start reuses the data: no new admin, the printed password still works; clean SIGINT', async () => {
  const weft = await start({ WEFT_ADMIN_PASSWORD: '' });
  assert.doesNotMatch(weft.output(), /Created user/);
  const login = await fetch(`${weft.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: adminPassword }),
  });
  assert.equal(login.status, 200);
  assert.equal(await stopWeftProcess(weft, 'SIGINT'), 0);
  assert.deepEqual(postgresProcessesFor(dataDir), []);
});

test('with DATABASE_URL no embedded cluster is started and the admin password comes from the environment', async () => {
  const { url } = await createTestDatabase();
  const weft = await start({
    DATABASE_URL: url,
    WEFT_ADMIN_PASSWORD: 'from-the-environment',
    WEFT_DATA_DIR: path.join(dataDir, 'unused'),
  });
  assert.doesNotMatch(weft.output(), /embedded PostgreSQL/);
  assert.match(weft.output(), /WEFT_ADMIN_PASSWORD/);
  const login = await fetch(`${weft.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'from-the-environment' }),
  });
  assert.equal(login.status, 200);
  assert.equal(await stopWeftProcess(weft, 'SIGTERM'), 0);
});
