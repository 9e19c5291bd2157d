import pg from 'pg';

export interface LiveListenerOptions {
  connectionString: string;
  channel: string;
  /** How the connection shows in pg_stat_activity (default `weft-live`). */
  applicationName?: string;
  onPayload: (payload: string) => void;
  /** Called after a lost connection is back: messages sent meanwhile were missed. */
  onReconnect: () => void;
  onError: (error: unknown) => void;
}

const maxRetryMs = 5_000;

/**
 * The one dedicated connection an HTTP process holds to LISTEN on the live channel (a
 * pooled connection cannot LISTEN: it goes back to the pool). When the connection
 * drops, it reconnects with a growing delay until `close`.
 */
export class LiveListener {
  #options: LiveListenerOptions;
  #client: pg.Client | null = null;
  #closed = false;
  #retryMs = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: LiveListenerOptions) {
    this.#options = options;
  }

  /** Connects and LISTENs; rejects if the first connection fails. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    await client?.end();
  }

  async #connect(): Promise<void> {
    const { connectionString, channel, onPayload, applicationName = 'weft-live' } = this.#options;
    const client = new pg.Client({ connectionString, application_name: applicationName });
    client.on('notification', (message) => {
      if (message.channel === channel && message.payload !== undefined) onPayload(message.payload);
    });
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client));
    try {
      await client.connect();
      await client.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await client.end();
      return;
    }
    this.#client = client;
  }

  #lost(client: pg.Client, error?: unknown): void {
    if (this.#client !== client) return;
    this.#client = null;
    if (error) this.#options.onError(error);
    client.end().catch(() => undefined);
    if (!this.#closed) this.#retry();
  }

  #retry(): void {
    this.#retryMs = Math.min(this.#retryMs === 0 ? 100 : this.#retryMs * 2, maxRetryMs);
    this.#timer = setTimeout(() => {
      this.#connect().then(
        () => {
          this.#retryMs = 0;
          if (!this.#closed) this.#options.onReconnect();
        },
        (error: unknown) => {
          this.#options.onError(error);
          if (!this.#closed) this.#retry();
        },
      );
    }, this.#retryMs);
    this.#timer.unref();
  }
}
