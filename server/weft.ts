import type { PgBoss } from 'pg-boss';
import { buildApp } from './app.ts';
import { createRuntime, type EngineState, startEngineWorkers } from './automation/engine.ts';
import type { Config } from './config.ts';
import { type EmbeddedCluster, startEmbeddedPostgres } from './db/embedded-postgres.ts';
import { createDb } from './db/index.ts';
import { migrateToLatest } from './db/migrate.ts';
import { waitForDatabase } from './db/reachable.ts';
import { ensureAdmin } from './identity/bootstrap.ts';
import { SettingsService } from './platform/settings.ts';
import { startQueue, startSystemWorkers } from './queue.ts';

export interface Weft {
  /** The URL the HTTP server listens on, or null in worker mode. */
  url: string | null;
  stop: () => Promise<void>;
  /** What the engine is doing now (the dispatcher, the steps run inline). */
  engineState: () => EngineState;
}

export interface Announce {
  info: (message: string) => void;
  error: (message: string, error?: unknown) => void;
}

/**
 * Starts everything in order (database, migrations, queue, admin, HTTP) and returns a
 * `stop` that undoes it in reverse: stop accepting requests and let in-flight ones end,
 * let running jobs finish up to the deadline, close the pool, stop the embedded cluster.
 */
export async function startWeft(config: Config, announce: Announce): Promise<Weft> {
  const undo: (() => Promise<unknown>)[] = [];
  let stopping = false;
  // While stopping, the embedded PostgreSQL ends the idle connections of the queue and the
  // engine itself ("terminating connection due to administrator command", 57P01; a write
  // to a closed socket): expected, not an error to print a stack for.
  const expected = (error: unknown) => {
    if (!stopping) return false;
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    return (
      code === '57P01' ||
      code === 'EPIPE' ||
      code === 'ECONNRESET' ||
      /destroyed|Connection terminated|ended/i.test(String(message))
    );
  };
  const report = (what: string) => (error: unknown) => {
    if (!expected(error)) announce.error(what, error);
  };
  const stop = async () => {
    stopping = true;
    for (const step of undo.reverse()) {
      await step().catch((error: unknown) => announce.error('shutdown step failed', error));
    }
  };
  try {
    let url = config.databaseUrl;
    if (!url) {
      announce.info(`Starting embedded PostgreSQL in ${config.dataDir}`);
      const cluster: EmbeddedCluster = await startEmbeddedPostgres(config.dataDir);
      undo.push(() => cluster.stop());
      url = cluster.url();
    }
    const db = createDb(url);
    undo.push(() => db.destroy());
    await waitForDatabase(db, announce.info);
    await migrateToLatest(db);

    const boss: PgBoss = await startQueue(url, report('queue error'));
    undo.push(() => boss.stop({ graceful: true, timeout: config.shutdownTimeoutMs }));
    const settings = new SettingsService(db);
    await startSystemWorkers(boss, db, settings);
    const engine = await startEngineWorkers({
      db,
      boss,
      runtime: createRuntime(db, boss, report('workflow engine error')),
      settings,
      connectionString: url,
      onError: report('workflow engine error'),
    });
    undo.push(() => engine.stop());

    const admin = await ensureAdmin(db, config.adminPassword);
    if (admin.password) {
      announce.info(
        `Created user "admin" with password: ${admin.password}\n  (shown only this once; change it after signing in)`,
      );
    } else if (admin.created) {
      announce.info('Created user "admin" with the password from WEFT_ADMIN_PASSWORD');
    }

    if (config.smtp) {
      // Loaded only when email capture listens: smtp-server is not needed otherwise (issue 19's memory target).
      const { startSmtpListener } = await import('./inbound-mail/smtp-listener.ts');
      const listener = await startSmtpListener(db, {
        ...config.smtp,
        onError: (error) => announce.error('SMTP listener error', error),
      });
      undo.push(() => listener.close());
      announce.info(`Email capture: SMTP listener on ${config.smtp.host}:${listener.port}`);
    }

    if (config.mode === 'worker') return { url: null, stop, engineState: engine.state };
    const app = await buildApp({ db, boss, logger: { level: config.logLevel }, databaseUrl: url });
    undo.push(() => app.close());
    const address = await app.listen({ host: config.host, port: config.port });
    return { url: address, stop, engineState: engine.state };
  } catch (error) {
    await stop();
    throw error;
  }
}
