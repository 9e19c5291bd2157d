/** The app's name, logo and default theme (public: the sign-in page shows them), shared by every screen. */
import { useSyncExternalStore } from 'react';

export interface Branding {
  appName: string;
  logoUrl: string | null;
  defaultTheme: 'light' | 'dark' | 'auto';
  /** Menu entries everyone sees, in order, and the order of modules under Records (admin settings). */
  menu?: { items: string[]; moduleOrder: string[] };
}

let current: Branding = { appName: 'Weft', logoUrl: null, defaultTheme: 'light' };
const listeners = new Set<() => void>();

function apply(next: Branding) {
  current = next;
  document.title = next.appName;
  for (const listener of listeners) listener();
}

/** Reads the branding again (after the admin changes it). */
export async function reloadBranding(): Promise<Branding> {
  const response = await fetch('/api/branding', { credentials: 'same-origin' });
  if (response.ok) apply((await response.json()) as Branding);
  return current;
}

export const useBranding = () =>
  useSyncExternalStore(
    (callback) => {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    () => current,
  );
