import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';

/** The part of the `ws` package's client these tests use (the package ships no types). */
interface WsSocket {
  on(event: 'message', listener: (data: Buffer) => void): void;
  on(event: 'close', listener: (code: number) => void): void;
  on(
    event: 'unexpected-response',
    listener: (request: { destroy(): void }, response: IncomingMessage) => void,
  ): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
}
type WsConstructor = new (url: string, options: { headers: Record<string, string> }) => WsSocket;

// `ws` is @fastify/websocket's own dependency: a real client speaking the real protocol.
const { WebSocket }: { WebSocket: WsConstructor } = createRequire(import.meta.url)('ws');

export interface LiveMessage {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: messages are asserted field by field
  data: any;
}

/** A handshake the server refused, with its HTTP status. */
export class Refused extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`handshake refused with ${status}`);
    this.status = status;
  }
}

const waitLimitMs = 5_000;

/**
 * A WebSocket on /api/ws that queues what the server sends, so that a test waits for the
 * next message of a type instead of sleeping.
 */
export class LiveClient {
  #socket: WsSocket;
  #queue: LiveMessage[] = [];
  #wake: (() => void) | undefined;
  readonly closed: Promise<number>;

  private constructor(socket: WsSocket) {
    this.#socket = socket;
    socket.on('message', (data) => {
      this.#queue.push(JSON.parse(data.toString()));
      this.#wake?.();
    });
    this.closed = new Promise((resolve) => socket.on('close', resolve));
  }

  /** Opens a socket and waits for the server's `ready`; rejects with `Refused` on a refused handshake. */
  static connect(url: string, headers: Record<string, string>): Promise<LiveClient> {
    const socket = new WebSocket(url, { headers });
    const client = new LiveClient(socket);
    return new Promise((resolve, reject) => {
      // Handling this event makes aborting the request ours, else its connection stays open.
      socket.on('unexpected-response', (request, response) => {
        reject(new Refused(response.statusCode ?? 0));
        request.destroy();
      });
      socket.on('error', reject);
      client.next('ready').then(() => resolve(client), reject);
    });
  }

  /** The next message of `type`, skipping (and dropping) messages of other types before it. */
  async next(type: string): Promise<LiveMessage> {
    const deadline = Date.now() + waitLimitMs;
    for (;;) {
      const index = this.#queue.findIndex((message) => message.type === type);
      const found = index >= 0 ? this.#queue.splice(0, index + 1).at(-1) : undefined;
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type} message within ${waitLimitMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.#socket.close();
  }
}
