import type { LightMyRequestResponse } from 'fastify';
import { PgBoss } from 'pg-boss';
import { type App, buildApp } from '../../server/app.ts';
import { ensureAdmin } from '../../server/identity/bootstrap.ts';
import { onTestEnd } from './cleanup.ts';
import { createTestDatabase } from './db.ts';

export const adminPassword = 'admin-password-for-tests';

/** The app on a fresh database with its admin user, driven through `app.inject()` (no port). */
export async function createTestApp(options: { queue?: boolean } = {}) {
  const { db, url } = await createTestDatabase();
  await ensureAdmin(db, adminPassword);
  let boss: PgBoss | null = null;
  if (options.queue) {
    boss = new PgBoss({ connectionString: url, schema: 'pgboss', max: 3 });
    // As server/queue.ts does: a background error (a maintenance query cut off when the test
    // database is dropped at the end) is reported, not an uncaught exception that fails the file.
    boss.on('error', (error) => console.warn(`pg-boss: ${error.message}`));
    await boss.start();
  }
  const app = await buildApp({ db, boss, databaseUrl: url });
  onTestEnd(async () => {
    await app.close();
    await boss?.stop({ graceful: false });
  });
  return { app, db, url };
}

export interface Session {
  cookie: string;
  csrfToken: string;
  userId: string;
  /** A request as this signed-in user, with the CSRF header on state-changing methods. */
  request: (
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<LightMyRequestResponse>;
}

export async function login(app: App, username = 'admin', password = adminPassword): Promise<Session> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password },
  });
  if (response.statusCode !== 200)
    throw new Error(`login as ${username} failed: ${response.statusCode} ${response.body}`);
  const setCookie = response.cookies.find((c) => c.name === 'weft_session');
  if (!setCookie) throw new Error('login set no session cookie');
  const cookie = `weft_session=${setCookie.value}`;
  const { csrfToken, user } = response.json<{ csrfToken: string; user: { id: string } }>();
  return {
    cookie,
    csrfToken,
    userId: user.id,
    request: (method, url, body, headers = {}) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: { cookie, ...(method !== 'GET' && { 'x-csrf-token': csrfToken }), ...headers },
        ...(body !== undefined && { payload: body as object }),
      }),
  };
}
