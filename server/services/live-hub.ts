import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { Principal } from './authz.ts';
import { type LiveEnvelope, reaches } from './live.ts';
import type { SettingsService } from './settings.ts';

/** The part of a `ws` WebSocket the hub uses. */
export interface LiveSocket {
  readonly readyState: number;
  send(data: string): void;
  ping(): void;
  terminate(): void;
  close(code?: number, reason?: string): void;
  on(event: 'pong' | 'close', listener: () => void): unknown;
}

interface Connection {
  socket: LiveSocket;
  /** Loaded at the handshake: a role change reaches an open socket when it reconnects. */
  principal: Principal;
  /** null for bearer-token sockets (scripts), which do not count as a person online. */
  sessionId: string | null;
  alive: boolean;
}

const open = 1;
/** Close code telling the client that its session ended: sign in again rather than reconnect. */
export const closeSignedOut = 4401;

/** The WebSockets of this process, by user, and delivery of what the listener hears to them. */
export class LiveHub {
  #byUser = new Map<string, Set<Connection>>();

  add(socket: LiveSocket, principal: Principal, sessionId: string | null): void {
    const connection: Connection = { socket, principal, sessionId, alive: true };
    const mine = this.#byUser.get(principal.id) ?? new Set();
    this.#byUser.set(principal.id, mine);
    mine.add(connection);
    socket.on('pong', () => {
      connection.alive = true;
    });
    socket.on('close', () => {
      mine.delete(connection);
      if (mine.size === 0 && this.#byUser.get(principal.id) === mine) this.#byUser.delete(principal.id);
    });
  }

  /** Forwards one NOTIFY payload to the sockets it is addressed to. */
  deliver(payload: string): void {
    let envelope: LiveEnvelope;
    try {
      envelope = JSON.parse(payload);
    } catch {
      return;
    }
    const { to } = envelope;
    const candidates =
      to.everyone || to.admins
        ? this.#all()
        : (to.users ?? []).flatMap((userId) => [...(this.#byUser.get(userId) ?? [])]);
    const message = JSON.stringify({ type: envelope.type, data: envelope.data });
    for (const connection of candidates) {
      if (reaches(to, connection.principal)) send(connection.socket, message);
    }
  }

  broadcast(type: string, data: Record<string, unknown>): void {
    const message = JSON.stringify({ type, data });
    for (const connection of this.#all()) send(connection.socket, message);
  }

  /**
   * Every half minute: drops sockets that did not answer the last ping, closes those
   * whose session ended (sign-out, expiry) or whose user was deactivated, and notes
   * activity on the sessions of the others — an open WebSocket keeps its user online
   * (`onlineUserIds`) in every process, since it is written to the database.
   */
  async heartbeat(db: Db, settings: SettingsService): Promise<void> {
    const connections = this.#all().filter((connection) => {
      if (connection.alive) {
        connection.alive = false;
        connection.socket.ping();
        return true;
      }
      connection.socket.terminate();
      return false;
    });
    if (connections.length === 0) return;
    const { sessionTimeoutMinutes } = await settings.get();
    const sessionIds = [...new Set(connections.flatMap((c) => (c.sessionId ? [c.sessionId] : [])))];
    const userIds = [...new Set(connections.map((c) => c.principal.id))];
    const [sessions, users] = await Promise.all([
      sessionIds.length === 0
        ? []
        : db
            .updateTable('sessions')
            .set({ lastSeenAt: new Date() })
            .where('id', 'in', sessionIds)
            .where('lastSeenAt', '>', sql<Date>`now() - make_interval(mins => ${sessionTimeoutMinutes})`)
            .returning('id')
            .execute(),
      db.selectFrom('users').select('id').where('id', 'in', userIds).where('active', '=', true).execute(),
    ]);
    const liveSessions = new Set(sessions.map((row) => row.id));
    const activeUsers = new Set(users.map((row) => row.id));
    for (const connection of connections) {
      const sessionEnded = connection.sessionId !== null && !liveSessions.has(connection.sessionId);
      if (sessionEnded || !activeUsers.has(connection.principal.id)) {
        connection.socket.close(closeSignedOut, 'Signed out');
      }
    }
  }

  #all(): Connection[] {
    return [...this.#byUser.values()].flatMap((set) => [...set]);
  }
}

function send(socket: LiveSocket, message: string): void {
  if (socket.readyState === open) socket.send(message);
}
