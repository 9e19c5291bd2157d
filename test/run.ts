/**
 * `npm test`: starts one throwaway embedded PostgreSQL cluster for the whole run, then
 * runs every test file with node's test runner. Each file creates its own database on
 * that cluster (test/helpers/db.ts), so files are isolated and may run in parallel.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../server/db/embedded-postgres.ts';

const patterns = process.argv.slice(2);
const files =
  patterns.length > 0
    ? patterns
    : [
        'engine/**/*.test.ts',
        'server/**/*.test.ts',
        'connectors/**/*.test.ts',
        'designer/src/**/*.test.ts',
        'test/**/*.test.ts',
      ];

const dataDir = await mkdtemp(path.join(tmpdir(), 'weft-test-'));
// As root the cluster runs as the `postgres` user, which must be able to enter the folder.
await chmod(dataDir, 0o755);
const cluster = await startEmbeddedPostgres(dataDir);
let code = 1;
try {
  code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
      {
        stdio: 'inherit',
        env: { ...process.env, WEFT_TEST_DATABASE_URL: cluster.url('postgres') },
      },
    );
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
} finally {
  await cluster.stop();
  await rm(dataDir, { recursive: true, force: true });
}
process.exit(code);
