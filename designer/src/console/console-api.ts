/**
 * What every console screen shares: module definitions (cached for the session, refreshed
 * by Studio), error reporting, field errors keyed by field, and file download.
 */
import { notifications } from '@mantine/notifications';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { ApiError, api, type Page } from '../api.ts';

export interface FieldDef {
  name: string;
  label: string;
  type: string;
  required: boolean;
  unique: boolean;
  searchable: boolean;
  readOnly: boolean;
  system: boolean;
  defaultValue: unknown;
  options: {
    choices?: string[];
    dropdownId?: string | number;
    multiple?: boolean;
    module?: string;
    maxLength?: number;
    max?: number;
    decimals?: number;
    currency?: string;
    /** Indexed for sorting (server/studio/fields.ts). */
    sortable?: boolean;
  };
  position: number;
}

export interface ModuleDef {
  name: string;
  label: string;
  itemName: string;
  custom: boolean;
  searchable: boolean;
  editable: boolean;
  visible: boolean;
  displayFields: string[];
  fields: FieldDef[];
}

export type RecordRow = Record<string, unknown> & { id: string };

let modules: ModuleDef[] | null = null;
const listeners = new Set<() => void>();

/** Reloads the module definitions every screen draws from (after a Studio change). */
export async function reloadModules() {
  modules = (await api<Page<ModuleDef>>('GET', '/modules')).items;
  for (const listener of listeners) listener();
}

export function useModules(): ModuleDef[] | null {
  const value = useSyncExternalStore(
    (callback) => {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    () => modules,
  );
  useEffect(() => {
    if (modules === null) reloadModules().catch(fail);
  }, []);
  return value;
}

export const useModule = (name: string) => useModules()?.find((module) => module.name === name);

export const fail = (error: unknown): undefined => {
  notifications.show({ color: 'red', title: 'Could not do that', message: (error as Error).message });
};

export const done = (message: string) => notifications.show({ color: 'green', message });

/** `{ field: reason }` from an API validation error, for showing next to each input. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return {};
  const errors: Record<string, string> = {};
  for (const detail of error.details as { field?: string; reason?: string }[])
    if (detail.field && detail.reason) errors[detail.field.replace(/^\/?(body\.)?/, '')] = detail.reason;
  return errors;
}

export function download(name: string, content: BlobPart, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

/** A keyset-paged list: the first page, then "load more" appends. */
export function usePaged<T>(path: string | null) {
  const [items, setItems] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** The refusal's HTTP status: a 403 is a permission, not a bad filter. */
  const [status, setStatus] = useState<number | null>(null);
  const [version, setVersion] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: version forces a reload
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setError(null);
    api<Page<T>>('GET', path).then(
      (page) => {
        if (!live) return;
        setItems(page.items);
        setCursor(page.nextCursor);
      },
      (reason: Error) => {
        if (!live) return;
        setError(reason.message);
        setStatus(reason instanceof ApiError ? reason.status : null);
      },
    );
    return () => {
      live = false;
    };
  }, [path, version]);
  const more = async () => {
    if (!cursor || path === null) return;
    const separator = path.includes('?') ? '&' : '?';
    const page = await api<Page<T>>('GET', `${path}${separator}cursor=${encodeURIComponent(cursor)}`).catch(
      fail,
    );
    if (!page) return;
    setItems((current) => [...(current ?? []), ...page.items]);
    setCursor(page.nextCursor);
  };
  return { items, error, status, hasMore: cursor !== null, more, reload: () => setVersion((v) => v + 1) };
}
