/** The marketing API's shapes as the screens use them, and a small loader hook. */
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';

export interface Template {
  id: string;
  name: string;
  category: string | null;
  module: string;
  subject: string;
  html: string | null;
  text: string | null;
  updatedAt: string;
}

export interface Progress {
  total: number;
  pending: number;
  done: number;
  counts: Record<string, number>;
}

export interface Campaign {
  id: string;
  name: string;
  listId: string | null;
  newsletterId: string | null;
  templateId: string;
  accountId: string | null;
  status: 'draft' | 'scheduled' | 'running' | 'paused' | 'done' | 'cancelled';
  scheduledAt: string | null;
  launchedAt: string | null;
  finishedAt: string | null;
  summary: { queued: number; doNotEmail: number; unsubscribed: number; noAddress: number } | null;
  createdAt: string;
  progress?: Progress;
}

export interface Newsletter {
  id: string;
  name: string;
  category: string | null;
  subscribers: number;
}

export interface Problem {
  field: string;
  reason: string;
}

export interface Preview {
  problems: Problem[];
  record: { id: string; module: string } | null;
  rendered: { subject: string; html: string | null; text: string | null } | null;
}

/** GETs a path, again whenever `reload` is called or `every` ms pass (while given). */
export function useLoad<T>(path: string | null, every?: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: version forces a reload
  useEffect(() => {
    if (path === null) return;
    let live = true;
    const load = () =>
      api<T>('GET', path).then(
        (value) => {
          if (live) {
            setData(value);
            setError(null);
          }
        },
        (reason: Error) => live && setError(reason.message),
      );
    load();
    const timer = every ? setInterval(load, every) : undefined;
    return () => {
      live = false;
      if (timer) clearInterval(timer);
    };
  }, [path, version, every]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, error, reload };
}

export const statusColor: Record<Campaign['status'], string> = {
  draft: 'gray',
  scheduled: 'blue',
  running: 'indigo',
  paused: 'yellow',
  done: 'green',
  cancelled: 'red',
};
