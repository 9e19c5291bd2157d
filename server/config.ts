import path from 'node:path';

/** Everything Weft reads from its environment, parsed once at start. */
export interface Config {
  /** External PostgreSQL; when absent an embedded cluster is started in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  adminPassword: string | undefined;
  logLevel: string;
  /** How long a shutdown waits for in-flight requests and jobs before it stops them. */
  shutdownTimeoutMs: number;
  /** `all` (HTTP + workers, the default) or `worker` (workers only, to scale out). */
  mode: 'all' | 'worker';
}

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const mode = env.WEFT_MODE ?? 'all';
  if (mode !== 'all' && mode !== 'worker')
    throw new Error(`WEFT_MODE must be "all" or "worker", got "${mode}"`);
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.WEFT_DATA_DIR || './data'),
    host: env.HOST || '127.0.0.1',
    port: integer('PORT', env.PORT, 8080),
    adminPassword: env.WEFT_ADMIN_PASSWORD || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    shutdownTimeoutMs: integer('WEFT_SHUTDOWN_TIMEOUT_MS', env.WEFT_SHUTDOWN_TIMEOUT_MS, 10_000),
    mode,
  };
}
