import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createTestDatabase } from './helpers/db.ts';

const root = path.resolve(import.meta.dirname, '..');
const dataDir = await mkdtemp(path.join(tmpdir(), 'weft-start-'));
await chmod(dataDir, 0o755);
after(() => rm(dataDir, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Runs `npm start`'s entry point and resolves once it prints the URL it serves. */
async function start(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['server/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', WEFT_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Weft is running at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before serving:\n${output}`)));
  });
  return { child, url, output: () => output };
}

async function stop(running: Running, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(running.child, 'exit');
  running.child.kill(signal);
  const [code] = await exited;
  return code as number | null;
}

function postgresProcessesFor(dir: string): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => line.includes('postgres') && line.includes(dir));
}

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
  assert.equal(await stop(weft, 'SIGTERM'), 0);
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
  assert.equal(await stop(weft, 'SIGINT'), 0);
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
  assert.equal(await stop(weft, 'SIGTERM'), 0);
});
