import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
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

// Issue 18: restarting after a crash, and running as root from a home folder.

/** A process that has exited but is never reaped (its parent never waits): what a killed postmaster is for a while. */
async function zombie(): Promise<{ pid: number; parent: ChildProcess }> {
  const parent = spawn('sh', ['-c', 'sleep 0.3 & echo $!; exec sleep 120'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [line] = (await once(parent.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  const pid = Number(line.toString().trim());
  for (let i = 0; i < 100; i++) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return { pid, parent };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no zombie');
}

test('a stale postmaster.pid of a killed postmaster not yet reaped is removed, and Weft starts', async () => {
  const { pid, parent } = await zombie();
  after(() => parent.kill('SIGKILL'));
  const lockFile = path.join(dataDir, 'pg', 'postmaster.pid');
  await writeFile(lockFile, `${pid}\n${path.join(dataDir, 'pg')}\n0\n5432\n\n127.0.0.1\n0 0\nready\n`);
  const weft = await start({ WEFT_ADMIN_PASSWORD: '' });
  assert.match(weft.output(), new RegExp(`stale lock .*postmaster ${pid} has exited`));
  assert.equal((await fetch(`${weft.url}/api/health`)).status, 200);
  assert.equal(await stopWeftProcess(weft, 'SIGTERM'), 0);
});

test('a postmaster that still runs on the data is waited for, then named in an actionable error', async () => {
  const first = await start({ WEFT_ADMIN_PASSWORD: '' });
  try {
    const second = await start({ WEFT_ADMIN_PASSWORD: '', WEFT_PG_LOCK_WAIT_MS: '1000' }).then(
      (weft) => ({ weft, error: undefined }),
      (error: Error) => ({ weft: undefined, error }),
    );
    if (second.weft) await stopWeftProcess(second.weft, 'SIGTERM');
    assert.ok(second.error, 'a second Weft on the same data must not start');
    assert.match(
      second.error.message,
      /PostgreSQL \(pid \d+\) still runs on .*: stop it \(kill \d+\) or wait/,
    );
  } finally {
    assert.equal(await stopWeftProcess(first, 'SIGTERM'), 0);
  }
});

test("PostgreSQL's own message is shown when it refuses to start", async () => {
  const conf = path.join(dataDir, 'pg', 'postgresql.auto.conf');
  const before = await readFile(conf, 'utf8');
  await writeFile(conf, `${before}\nshared_buffers = 'plenty'\n`);
  try {
    const error = await start({ WEFT_ADMIN_PASSWORD: '' }).then(
      async (weft) => {
        await stopWeftProcess(weft, 'SIGTERM');
        return undefined;
      },
      (failure: Error) => failure,
    );
    assert.ok(error, 'Weft must not start on a broken configuration');
    assert.match(error.message, /Weft failed to start: .*PostgreSQL did not start/);
    assert.match(error.message, /invalid value for parameter "shared_buffers": "plenty"/);
  } finally {
    await writeFile(conf, before);
  }
});

test('as root, from a data folder under a 0700 home folder: the postgres user is given the traverse right', {
  skip: process.getuid?.() !== 0 ? 'needs root' : false,
}, async () => {
  const base = await mkdtemp(path.join(tmpdir(), 'weft-root-'));
  after(() => rm(base, { recursive: true, force: true }));
  const home = path.join(base, 'root');
  await mkdir(home, { mode: 0o700 });
  await chmod(home, 0o700);
  const data = path.join(home, 'weft', 'data');
  const weft = await startWeftProcess({ WEFT_DATA_DIR: data, WEFT_ADMIN_PASSWORD: 'root-home-password' });
  try {
    assert.match(weft.output(), /traverse \(o\+x, not to list\)/);
    assert.equal(
      (await stat(home)).mode & 0o777,
      0o701,
      'exactly the traverse right for others, nothing more',
    );
    assert.equal((await fetch(`${weft.url}/api/health`)).status, 200);
  } finally {
    assert.equal(await stopWeftProcess(weft, 'SIGTERM'), 0);
  }
  assert.deepEqual(postgresProcessesFor(data), []);
});
