/**
 * Calls `refresh` when the page comes back into view (its tab shown again, its window focused)
 * and every `everyMs` while it is visible: for what the live channel does not push, such as
 * record writes (server/collaboration/live.ts sends none). A hidden tab asks nothing.
 */
import { useEffect, useRef } from 'react';

export function useRefreshWhileVisible(refresh: () => void, everyMs = 60_000) {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const visible = () => document.visibilityState === 'visible';
    const schedule = () => {
      clearInterval(timer);
      timer = visible() ? setInterval(() => latest.current(), everyMs) : undefined;
    };
    const onVisibility = () => {
      if (visible()) latest.current();
      schedule();
    };
    const onFocus = () => latest.current();
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('focus', onFocus);
    schedule();
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('focus', onFocus);
    };
  }, [everyMs]);
}
