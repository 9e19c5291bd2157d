/**
 * The live channel (`/api/ws`): the unread notification count, kept current by the
 * server's pushes, reconnecting with a growing delay when the socket drops.
 */
import { useEffect, useState } from 'react';

interface Push {
  type: string;
  data?: { unreadCount?: number };
}

export function useUnreadCount(): number | null {
  const [count, setCount] = useState<number | null>(null);
  useEffect(() => {
    let socket: WebSocket | null = null;
    let closed = false;
    let delay = 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${scheme}://${window.location.host}/api/ws`);
      socket.onopen = () => {
        delay = 1000;
      };
      socket.onmessage = (message) => {
        const push = JSON.parse(String(message.data)) as Push;
        if (typeof push.data?.unreadCount === 'number') setCount(push.data.unreadCount);
      };
      socket.onclose = () => {
        if (closed) return;
        timer = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30_000);
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, []);
  return count;
}
