/**
 * Records changed by anyone (a person, an import, a flow) while a page shows them: the
 * server pushes `record.changed` with the module and the ids (none when many changed); a
 * page that shows one of them reads it again. Pushes come in bursts (a flow writing step
 * after step), so a page reads again at most every `quietMs`.
 */
import { useEffect, useRef } from 'react';
import { subscribeLive } from '../app/live.ts';

export interface RecordChange {
  module: string;
  /** null: too many to list, or the live channel reconnected (anything may have changed). */
  ids: string[] | null;
  created: boolean;
  deleted: boolean;
}

const quietMs = 400;

export function useRecordChanges(module: string, onChange: (change: RecordChange) => void) {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pending: RecordChange | null = null;
    const flush = () => {
      timer = undefined;
      const change = pending;
      pending = null;
      if (change) latest.current(change);
    };
    const unsubscribe = subscribeLive((push) => {
      let change: RecordChange | null = null;
      if (push.type === 'live.resync') change = { module, ids: null, created: true, deleted: true };
      else if (push.type === 'record.changed' && push.data?.module === module)
        change = push.data as unknown as RecordChange;
      if (!change) return;
      pending = pending
        ? {
            module,
            ids: pending.ids && change.ids ? [...pending.ids, ...change.ids] : null,
            created: pending.created || change.created,
            deleted: pending.deleted || change.deleted,
          }
        : change;
      timer ??= setTimeout(flush, quietMs);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [module]);
}
