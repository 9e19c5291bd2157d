/**
 * Undo/redo over immutable snapshots. Pushing drops the redo branch; pushing a value equal
 * (by reference) to the present is a no-op, and the past is capped.
 */
export interface History<T> {
  past: T[];
  present: T;
  future: T[];
}

export const historyLimit = 200;

export function startHistory<T>(present: T): History<T> {
  return { past: [], present, future: [] };
}

export function push<T>(history: History<T>, next: T): History<T> {
  if (next === history.present) return history;
  return { past: [...history.past, history.present].slice(-historyLimit), present: next, future: [] };
}

/** Replaces the present without an undo step (e.g. while a node is being dragged). */
export function replace<T>(history: History<T>, next: T): History<T> {
  return { ...history, present: next };
}

export function undo<T>(history: History<T>): History<T> {
  const previous = history.past.at(-1);
  if (previous === undefined) return history;
  return { past: history.past.slice(0, -1), present: previous, future: [history.present, ...history.future] };
}

export function redo<T>(history: History<T>): History<T> {
  const next = history.future[0];
  if (next === undefined) return history;
  return { past: [...history.past, history.present], present: next, future: history.future.slice(1) };
}

export const canUndo = <T>(history: History<T>) => history.past.length > 0;
export const canRedo = <T>(history: History<T>) => history.future.length > 0;

/** Records `base` as the undo step for a change made through `replace`s (e.g. a whole drag). */
export function commitFrom<T>(history: History<T>, base: T): History<T> {
  if (base === history.present) return history;
  return { past: [...history.past, base].slice(-historyLimit), present: history.present, future: [] };
}
