/**
 * Errors that steer the runtime, thrown by actions. Anything else is retried per the
 * node's policy. Each says whose failure it is, so a run's history can tell the user
 * what to fix.
 */
export class NonRetriableError extends Error {
  override name = 'NonRetriableError';
  /** `user`: bad params or a 4xx from a remote — retrying cannot help. */
  readonly owner: 'user' | 'system';
  /** JSON kept with the step's error (a code step's line, column and log lines). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    message: string,
    options: { owner?: 'user' | 'system'; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.owner = options.owner ?? 'user';
    this.details = options.details;
  }
}

/** The remote asked us to come back later (429, Retry-After); counts as an attempt. */
export class RetryAfterError extends Error {
  override name = 'RetryAfterError';
  readonly delayMs: number;

  constructor(message: string, delayMs: number) {
    super(message);
    this.delayMs = delayMs;
  }
}

/**
 * A step run at once in the transaction that started its run (`startMany`'s `eager`) failed:
 * the transaction is spoilt. Its caller rolls it back and starts the runs again without
 * running their steps at once, so the step fails on the path that records failures and
 * retries. `flowIds`: the flows whose steps ran.
 */
export class EagerStepFailed extends Error {
  override name = 'EagerStepFailed';
  readonly flowIds: readonly string[];

  constructor(flowIds: readonly string[], cause: unknown) {
    super(`a step run at once failed: ${(cause as Error)?.message ?? cause}`, { cause });
    this.flowIds = flowIds;
  }
}

/** A failure as stored on a step: plain JSON. */
export interface StepError {
  name: string;
  message: string;
  owner: 'user' | 'system';
  retriable: boolean;
  details?: Record<string, unknown>;
}

export function toStepError(error: unknown): StepError {
  if (error instanceof NonRetriableError) {
    return {
      name: error.name,
      message: error.message,
      owner: error.owner,
      retriable: false,
      ...(error.details && { details: error.details }),
    };
  }
  if (error instanceof Error)
    return { name: error.name, message: error.message, owner: 'system', retriable: true };
  return { name: 'Error', message: String(error), owner: 'system', retriable: true };
}

/**
 * Whether an error says the connection to PostgreSQL was lost or refused for now (a restart,
 * a terminated backend, the server recovering), not that a step's work failed: such an
 * attempt is tried again without counting against the node's policy. Only PostgreSQL's own
 * signals count (its SQLSTATE classes 57P and 08, pg's lost-connection errors, its socket):
 * a remote server refusing an HTTP call is the action's failure.
 */
export function isConnectionLoss(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, severity, address, message } = error as Record<string, unknown>;
  if (typeof code === 'string' && severity !== undefined) return /^(57P0[1-3]|08)/.test(code);
  if (typeof address === 'string' && /\.s\.PGSQL\.\d+$/.test(address)) return true;
  // Early in its start PostgreSQL refuses with a bare message, without SQLSTATE fields.
  return /Connection terminated|not queryable|timeout exceeded when trying to connect|database system is (not yet accepting connections|starting up|shutting down|in recovery mode)/i.test(
    String(message),
  );
}
