/**
 * Weft for a benchmark, on an embedded PostgreSQL of its own: in this process (`startWeftInProcess`,
 * signed in as the admin through the API), or signed in over HTTP when Weft runs as its own
 * process (`loginOverHttp`); and where results are written.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PgBoss } from 'pg-boss';
import type { Flow } from '../schemas/flow.ts';
import { buildApp } from '../server/app.ts';
import { startEmbeddedPostgres } from '../server/db/embedded-postgres.ts';
import { createDb } from '../server/db/index.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { ensureAdmin } from '../server/identity/bootstrap.ts';
import { startQueue } from '../server/queue.ts';
import { startBenchCluster } from './cost.ts';

export const password = 'bench-admin-password';
const root = path.resolve(import.meta.dirname, '..');

/**
 * A migrated cluster in a temporary folder, the admin, the app built on it (with pg-boss
 * unless `queue: false`; pg_stat_statements loaded with `pgStatStatements: true`) and the
 * admin's session headers. `stop()` closes all of it and removes the folder.
 */
export async function startWeftInProcess<Queue extends boolean = true>(
  name: string,
  {
    queue = true as Queue,
    pgStatStatements = false,
    keptDir,
  }: { queue?: Queue; pgStatStatements?: boolean; keptDir?: string | undefined } = {},
) {
  // `keptDir`: a cluster kept between runs (created there the first time, never removed).
  if (keptDir) await mkdir(keptDir, { recursive: true });
  const dataDir = keptDir ?? (await mkdtemp(path.join(tmpdir(), `weft-bench-${name}-`)));
  // The cluster runs as another user when Weft runs as root: it must be able to enter the folder.
  await chmod(dataDir, 0o755);
  const cluster = pgStatStatements ? await startBenchCluster(dataDir) : await startEmbeddedPostgres(dataDir);
  const url = cluster.url();
  const db = createDb(url);
  const boss = (
    queue ? await startQueue(url, (error) => console.error('queue error', error)) : null
  ) as Queue extends true ? PgBoss : null;
  const stop = async () => {
    await boss?.stop({ graceful: false });
    await db.destroy();
    await cluster.stop();
    if (!keptDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await migrateToLatest(db);
    await ensureAdmin(db, password);
    const adminId = (
      await db.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()
    ).id;
    const app = await buildApp({ db, boss, databaseUrl: url });
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'admin', password },
    });
    const cookie = `weft_session=${login.cookies.find((c) => c.name === 'weft_session')?.value}`;
    const headers = { cookie, 'x-csrf-token': login.json<{ csrfToken: string }>().csrfToken };
    return {
      dataDir,
      cluster,
      url,
      db,
      boss,
      app,
      adminId,
      cookie,
      headers,
      async stop() {
        await app.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The admin's session on a Weft process at `base`: its cookie and CSRF token. */
export async function loginOverHttp(base: string): Promise<{ cookie: string; csrfToken: string }> {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  const cookie = /weft_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return { cookie, csrfToken };
}

/** Writes `bench/results/<file>`. */
export async function writeResult(file: string, result: unknown): Promise<void> {
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results', file), `${JSON.stringify(result, null, 2)}\n`);
}

/** Creates, publishes and activates a flow through a Weft process's API, as an admin would: its id. */
export async function installFlow(base: string, definition: Flow): Promise<string> {
  const { cookie, csrfToken } = await loginOverHttp(base);
  const call = async (route: string, body?: unknown) => {
    const response = await fetch(`${base}${route}`, {
      method: 'POST',
      headers: {
        cookie,
        'x-csrf-token': csrfToken,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<{ id?: string }>;
  };
  const { id } = await call('/api/flows', { name: definition.name, definition });
  await call(`/api/flows/${id}/publish`);
  await call(`/api/flows/${id}/activate`);
  return String(id);
}
