/**
 * The live channel (`/api/ws`), one socket for the whole page: opened by the first
 * subscriber, closed with the last, reconnecting with a growing delay when it drops.
 * Pushes are `{ type, data }` (server/collaboration/ws-routes.ts).
 */
import { useEffect, useRef, useState } from 'react';

export interface Push {
  type: string;
  data?: { unreadCount?: number; runId?: string; [key: string]: unknown };
}

type Listener = (push: Push) => void;

const listeners = new Set<Listener>();
let socket: WebSocket | null = null;
let delay = 1000;
let retry: ReturnType<typeof setTimeout> | undefined;

function connect() {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const current = new WebSocket(`${scheme}://${window.location.host}/api/ws`);
  socket = current;
  current.onopen = () => {
    delay = 1000;
  };
  current.onmessage = (message) => {
    const push = JSON.parse(String(message.data)) as Push;
    for (const listener of listeners) listener(push);
  };
  current.onclose = () => {
    if (socket !== current) return;
    socket = null;
    if (listeners.size === 0) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect();
    }, delay);
    delay = Math.min(delay * 2, 30_000);
  };
}

export function subscribeLive(listener: Listener): () => void {
  listeners.add(listener);
  if (!socket && retry === undefined) connect();
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    clearTimeout(retry);
    retry = undefined;
    const closing = socket;
    socket = null;
    closing?.close();
  };
}

/** Calls `handler` with every push of `type` while the component is mounted. */
export function useLive(type: string, handler: (push: Push) => void) {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => subscribeLive((push) => push.type === type && latest.current(push)), [type]);
}

export function useUnreadCount(): number | null {
  const [count, setCount] = useState<number | null>(null);
  useEffect(
    () =>
      subscribeLive((push) => {
        if (typeof push.data?.unreadCount === 'number') setCount(push.data.unreadCount);
      }),
    [],
  );
  return count;
}
