import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig } from './config.ts';
import { isUnreachable } from './db/reachable.ts';
import { startWeft } from './weft.ts';

const config = loadConfig();
const announce = {
  info: (message: string) => console.log(message),
  error: (message: string, error?: unknown) => console.error(message, error ?? ''),
};

/**
 * Starts Weft; should the database go away while it starts (a worker started during
 * PostgreSQL's crash recovery), everything started is undone and it starts again, until the
 * database wait (WEFT_DB_WAIT_MS) runs out. Any other failure ends the process.
 */
async function start() {
  const deadline = Date.now() + Number(process.env.WEFT_DB_WAIT_MS ?? 60_000);
  for (;;) {
    try {
      return await startWeft(config, announce);
    } catch (error) {
      if (!config.databaseUrl || !isUnreachable(error) || Date.now() > deadline) throw error;
      announce.info(
        `The database went away while Weft started (${(error as Error).message}); starting again`,
      );
      await delay(1000);
    }
  }
}

const weft = await start().catch((error: unknown) => {
  announce.error('Weft failed to start:', error);
  process.exit(1);
});
announce.info(weft.url ? `Weft is running at ${weft.url}` : 'Weft worker is running');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  announce.info(`${signal} received: shutting down`);
  // A hard deadline past the graceful one, so a stuck step cannot keep the process alive forever.
  const deadline = setTimeout(() => {
    announce.error('Shutdown deadline passed; exiting');
    process.exit(1);
  }, config.shutdownTimeoutMs + 10_000);
  deadline.unref();
  await weft.stop();
  announce.info('Weft stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
// `kill -USR2 <pid>`: what the engine is doing now, on stderr (a run that does not move on).
process.on('SIGUSR2', () => announce.error(`engine state: ${JSON.stringify(weft.engineState())}`));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
