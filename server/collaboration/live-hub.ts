import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { loadPrincipal, type Principal } from '../platform/authz.ts';
import { type CredentialsEnded, credentialsEndedType } from '../platform/credentials-ended.ts';
import type { SettingsService } from '../platform/settings.ts';
import { type LiveEnvelope, reaches } from './live.ts';

/** The part of a `ws` WebSocket the hub uses. */
export interface LiveSocket {
  readonly readyState: number;
  send(data: string): void;
  ping(): void;
  terminate(): void;
  close(code?: number, reason?: string): void;
  on(event: 'pong' | 'close', listener: () => void): unknown;
}

/**
 * What a socket authenticated with, checked again by every heartbeat. Only sessions count
 * a person online; bearer tokens are scripts.
 */
export type Credential = { sessionId: string } | { apiTokenId: string };

interface Connection {
  socket: LiveSocket;
  /** Loaded at the handshake and again by every heartbeat, so role changes reach open sockets. */
  principal: Principal;
  credential: Credential;
  alive: boolean;
}

const open = 1;
/** Close code telling the client that its session ended: sign in again rather than reconnect. */
export const closeSignedOut = 4401;

/** The WebSockets of this process, by user, and delivery of what the listener hears to them. */
export class LiveHub {
  #byUser = new Map<string, Set<Connection>>();

  add(socket: LiveSocket, principal: Principal, credential: Credential): void {
    const connection: Connection = { socket, principal, credential, alive: true };
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
    if ((envelope.type as string) === credentialsEndedType) {
      this.#closeEnded(envelope.data as CredentialsEnded);
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
   * Every half minute: drops sockets that did not answer the last ping; closes those whose
   * session ended (sign-out, expiry), whose token was revoked or whose user was
   * deactivated; reloads the others' principals; and notes activity on their sessions —
   * an open WebSocket keeps its user online (`onlineUserIds`) in every process, since it
   * is written to the database.
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
    const unique = (ids: (string | undefined)[]) => [...new Set(ids.filter((id) => id !== undefined))];
    const sessionIds = unique(
      connections.map((c) => ('sessionId' in c.credential ? c.credential.sessionId : undefined)),
    );
    const tokenIds = unique(
      connections.map((c) => ('apiTokenId' in c.credential ? c.credential.apiTokenId : undefined)),
    );
    const [sessions, tokens, principals] = await Promise.all([
      sessionIds.length === 0
        ? []
        : db
            .updateTable('sessions')
            .set({ lastSeenAt: new Date() })
            .where('id', 'in', sessionIds)
            .where('lastSeenAt', '>', sql<Date>`now() - make_interval(mins => ${sessionTimeoutMinutes})`)
            .returning('id')
            .execute(),
      tokenIds.length === 0
        ? []
        : db
            .selectFrom('apiTokens')
            .select('id')
            .where('id', 'in', tokenIds)
            .where('revokedAt', 'is', null)
            .execute(),
      Promise.all(unique(connections.map((c) => c.principal.id)).map((id) => loadPrincipal(db, id))),
    ]);
    const valid = new Set([...sessions, ...tokens].map((row) => row.id));
    const byId = new Map(principals.flatMap((principal) => (principal ? [[principal.id, principal]] : [])));
    for (const connection of connections) {
      const principal = byId.get(connection.principal.id);
      const credential =
        'sessionId' in connection.credential
          ? connection.credential.sessionId
          : connection.credential.apiTokenId;
      if (principal && valid.has(credential)) connection.principal = principal;
      else connection.socket.close(closeSignedOut, 'Signed out');
    }
  }

  /** Closes, at once, the sockets whose session ended, token was revoked or user was signed out everywhere. */
  #closeEnded(ended: CredentialsEnded): void {
    const sessions = new Set(ended.sessions ?? []);
    const tokens = new Set(ended.tokens ?? []);
    const users = new Set(ended.users ?? []);
    for (const connection of this.#all()) {
      const { credential } = connection;
      const hit =
        'sessionId' in credential
          ? sessions.has(credential.sessionId) ||
            (users.has(connection.principal.id) && credential.sessionId !== ended.keepSession)
          : tokens.has(credential.apiTokenId) || users.has(connection.principal.id);
      if (hit) connection.socket.close(closeSignedOut, 'Signed out');
    }
  }

  #all(): Connection[] {
    return [...this.#byUser.values()].flatMap((set) => [...set]);
  }
}

function send(socket: LiveSocket, message: string): void {
  if (socket.readyState === open) socket.send(message);
}
