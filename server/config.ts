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
  /** The inbound SMTP listener (inbound-mail/smtp-listener.ts): off unless WEFT_SMTP_PORT is set. */
  smtp: {
    port: number;
    host: string;
    maxBytes: number;
    acceptedDomains: string[];
    auth: { username: string; password: string } | undefined;
  } | null;
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
    smtp: env.WEFT_SMTP_PORT
      ? {
          port: integer('WEFT_SMTP_PORT', env.WEFT_SMTP_PORT, 2525),
          host: env.WEFT_SMTP_HOST || env.HOST || '127.0.0.1',
          maxBytes: integer('WEFT_SMTP_MAX_BYTES', env.WEFT_SMTP_MAX_BYTES, 10 * 1024 * 1024),
          acceptedDomains: (env.WEFT_SMTP_DOMAINS ?? '')
            .split(',')
            .map((d) => d.trim())
            .filter(Boolean),
          auth:
            env.WEFT_SMTP_USER && env.WEFT_SMTP_PASSWORD
              ? { username: env.WEFT_SMTP_USER, password: env.WEFT_SMTP_PASSWORD }
              : undefined,
        }
      : null,
  };
}
