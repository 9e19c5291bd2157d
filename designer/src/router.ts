/** A tiny history-API router: the app has three screens, not worth a routing library. */
import { useSyncExternalStore } from 'react';

const subscribe = (callback: () => void) => {
  window.addEventListener('popstate', callback);
  return () => window.removeEventListener('popstate', callback);
};

export const usePath = () => useSyncExternalStore(subscribe, () => window.location.pathname);

export function navigate(path: string) {
  if (path === window.location.pathname) return;
  window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export type Route =
  | { name: 'home' }
  | { name: 'flows' }
  | { name: 'flow'; id: string }
  | { name: 'runs' }
  | { name: 'run'; id: string }
  | { name: 'console'; path: string }
  | { name: 'profile'; tab: 'profile' | 'preferences' | 'security' }
  | { name: 'person'; id: string }
  | { name: 'notFound' };

export function routeOf(path: string): Route {
  if (path === '/') return { name: 'home' };
  if (path === '/flows') return { name: 'flows' };
  const flow = /^\/flows\/([0-9a-f-]{36})$/.exec(path);
  if (flow?.[1]) return { name: 'flow', id: flow[1] };
  if (path === '/runs') return { name: 'runs' };
  const run = /^\/runs\/([0-9a-f-]{36})$/.exec(path);
  if (run?.[1]) return { name: 'run', id: run[1] };
  // The workspace and admin console (designer/src/console/) routes its own screens.
  if (/^\/(records|lists|admin|studio|feed|notifications|imports|processes|marketing)(\/|$)/.test(path))
    return { name: 'console', path };
  const person = /^\/people\/([0-9a-f-]{36})$/.exec(path);
  if (person?.[1]) return { name: 'person', id: person[1] };
  const profile = /^\/profile(?:\/(preferences|security))?$/.exec(path);
  if (profile)
    return { name: 'profile', tab: (profile[1] as 'preferences' | 'security' | undefined) ?? 'profile' };
  return { name: 'notFound' };
}

/** The token of an emailed invitation link (`/invite/<token>`): a public page, drawn without the shell. */
export const inviteTokenOf = (path: string) => /^\/invite\/([A-Za-z0-9_-]{20,128})$/.exec(path)?.[1] ?? null;
