import { loadConfig } from './config.ts';
import { startWeft } from './weft.ts';

const config = loadConfig();
const announce = {
  info: (message: string) => console.log(message),
  error: (message: string, error?: unknown) => console.error(message, error ?? ''),
};

const weft = await startWeft(config, announce).catch((error: unknown) => {
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
process.on('SIGTERM', () => void shutdown('SIGTERM'));
