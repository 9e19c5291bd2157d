/** Processes over the API: definitions, a record's progress, the board and the funnel. */
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';

export interface Stage {
  id?: string;
  name: string;
  description?: string | null;
  conversionRate?: number | null;
  value?: number | null;
  requirePrevious?: 'none' | 'all' | { stageId: string };
  requireComment?: boolean;
  roles?: string[];
}

export interface Process {
  id: string;
  name: string;
  description: string | null;
  modules: string[];
  defaultFor: string[];
  color: string | null;
  financialModule: string | null;
  financialField: string | null;
  stages: (Stage & { id: string })[];
}

export type StageStatus = 'notStarted' | 'started' | 'completed';

export interface StageProgress extends Stage {
  id: string;
  status: StageStatus;
  startedAt: string | null;
  completedAt: string | null;
  completedBy: string | null;
  completedByName: string | null;
  comment: string | null;
}

export interface Progress {
  processId: string;
  processName: string;
  module: string;
  recordId: string;
  currentStage: string | null;
  completed: boolean;
  stages: StageProgress[];
}

export interface BoardCard {
  id: string;
  name: string;
  assignedTo: string | null;
  assignedToName: string | null;
  value: number | null;
}

export interface BoardColumn {
  stageId: string;
  name: string;
  count: number;
  total: number | null;
  cards: BoardCard[];
}

export interface Board {
  process: { id: string; name: string; financialField: string | null };
  module: string;
  columns: BoardColumn[];
}

export interface FunnelStage {
  stageId: string;
  name: string;
  reached: number;
  completed: number;
  total: number | null;
  conversion: number | null;
}

/** GETs `path` (null: nothing yet), with a reload and the error in words. */
export function useGet<T>(path: string | null): { data: T | null; error: string | null; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick asks for a reload.
  useEffect(() => {
    if (path === null) return;
    let live = true;
    api<T>('GET', path).then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
      },
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}

/** The error of a refused stage change, in words: the rule's message (and the stage). */
export function refusalText(error: unknown): string {
  const details = (error as { details?: { reason?: string; stageName?: string }[] }).details;
  const first = Array.isArray(details) ? details[0] : undefined;
  const text = first?.reason ?? (error as Error).message;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const money = (value: number | null) =>
  value === null ? '' : value.toLocaleString(undefined, { maximumFractionDigits: 2 });
