/**
 * Time from `npm start` (server/main.ts) to a healthy /api/health: on a fresh data
 * directory (initdb, migrations, admin) and on a second start reusing it.
 * Writes bench/results/startup.json.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startNodeOptions } from './start-options.ts';

const root = path.resolve(import.meta.dirname, '..');

async function timeToHealthy(dataDir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [...startNodeOptions(), 'server/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      WEFT_DATA_DIR: dataDir,
      WEFT_ADMIN_PASSWORD: 'bench-password',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Weft is running at (\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
  });
  for (;;) {
    const response = await fetch(`${url}/api/health`).catch(() => undefined);
    if (response?.status === 200) break;
  }
  const elapsed = performance.now() - started;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
  return elapsed;
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'weft-bench-'));
await chmod(dataDir, 0o755);
try {
  const firstStartMs = Math.round(await timeToHealthy(dataDir));
  const warm: number[] = [];
  for (let i = 0; i < 3; i++) warm.push(await timeToHealthy(dataDir));
  warm.sort((a, b) => a - b);
  const result = {
    firstStartMs,
    restartMedianMs: Math.round(warm[1] ?? 0),
    runs: warm.length + 1,
    node: process.version,
  };
  console.log(
    `first start to healthy: ${result.firstStartMs} ms; restart to healthy (median of 3): ${result.restartMedianMs} ms`,
  );
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results/startup.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
