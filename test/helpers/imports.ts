import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { App } from '../../server/app.ts';
import { startImportWorker } from '../../server/data/imports.ts';
import type { Db } from '../../server/db/index.ts';
import { createTestApp, login, type Session } from './app.ts';

export const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The import worker on the test app's queue (createTestApp({ queue: true }) starts no workers). */
export async function startWorker(app: App, db: Db): Promise<void> {
  if (!app.boss) throw new Error('the test app has no queue');
  await startImportWorker(app.boss, db, app.settings);
}

export const csvOf = (rows: (string | number)[][]) =>
  rows.map((row) => row.map((cell) => `"${String(cell).replaceAll('"', '""')}"`).join(',')).join('\n');

export async function upload(
  session: Session,
  query: Record<string, string | boolean>,
  file: string | Buffer,
  type = 'text/csv',
) {
  const search = new URLSearchParams(Object.entries(query).map(([key, value]) => [key, String(value)]));
  return session.request('POST', `/api/imports?${search}`, file, { 'content-type': type });
}

export interface ImportState {
  id: string;
  status: string;
  total: number | null;
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
  error: string | null;
}

/** Waits for the job to finish: the import's own status is the event waited on. */
export async function finished(session: Session, id: string, timeoutMs = 60_000): Promise<ImportState> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const response = await session.request('GET', `/api/imports/${id}`);
    assert.equal(response.statusCode, 200, response.body);
    const state = response.json<ImportState>();
    if (state.status !== 'queued' && state.status !== 'running') return state;
    if (Date.now() > until) throw new Error(`import ${id} still ${state.status} after ${timeoutMs} ms`);
    await delay(25);
  }
}

/** Uploads and waits; fails the test unless the upload is accepted. */
export async function imported(
  session: Session,
  query: Record<string, string | boolean>,
  file: string | Buffer,
  type?: string,
): Promise<ImportState> {
  const response = await upload(session, query, file, type);
  assert.equal(response.statusCode, 202, response.body);
  return finished(session, response.json<{ id: string }>().id);
}

export async function errorsOf(session: Session, id: string) {
  const response = await session.request('GET', `/api/imports/${id}/errors`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: { row: number; field: string | null; reason: string }[] }>().items;
}

/** Up to 500 records of a module matching a json-logic condition. */
export async function recordsWhere(session: Session, module: string, where: unknown) {
  const response = await session.request(
    'GET',
    `/api/records/${module}?limit=500&where=${encodeURIComponent(JSON.stringify(where))}`,
  );
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ items: Record<string, unknown>[] }>().items;
}

/**
 * An app with a queue and the import worker, signed in as admin, with the calls import
 * tests share: create through the API, a user with a role of given permissions, filtered
 * contacts.
 */
export async function importTestApp() {
  const { app, db, url } = await createTestApp({ queue: true });
  await startWorker(app, db);
  const admin = await login(app);
  async function created(session: Session, path: string, body: unknown) {
    const response = await session.request('POST', path, body);
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  }
  async function user(username: string, permissions: unknown) {
    const role = await created(admin, '/api/roles', { name: `role-${username}`, permissions });
    await created(admin, '/api/users', { username, password: `${username}-password`, roleIds: [role.id] });
    return login(app, username, `${username}-password`);
  }
  const contactsWhere = (where: unknown) => recordsWhere(admin, 'contacts', where);
  return { app, db, url, admin, created, user, contactsWhere };
}
