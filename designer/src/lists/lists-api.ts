/** Lists of records as the screens read them (`/api/lists`), and the calls that change them. */
import { api } from '../api.ts';

export interface RecordList {
  id: string;
  module: string;
  name: string;
  kind: 'static' | 'dynamic';
  /** A dynamic list's json-logic filter; null for a static list. */
  criteria: unknown;
  ownerId: string;
  visibility: 'public' | 'private';
  createdAt: string;
  updatedAt: string;
}

export function createList(input: {
  module: string;
  name: string;
  kind: 'static' | 'dynamic';
  criteria?: unknown;
  recordIds?: string[];
  visibility?: 'public' | 'private';
}): Promise<RecordList> {
  return api<RecordList>('POST', '/lists', input);
}

export const changeList = (id: string, patch: { name?: string; criteria?: unknown }) =>
  api<RecordList>('PATCH', `/lists/${id}`, patch);

export const deleteList = (id: string) => api('DELETE', `/lists/${id}`);

/** Adds or removes records of a static list; answers how many members it then has. */
export const changeMembers = (id: string, change: 'add' | 'remove', recordIds: string[]) =>
  api<{ members: number }>(change === 'add' ? 'POST' : 'DELETE', `/lists/${id}/members`, { recordIds });
