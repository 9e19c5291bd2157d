import assert from 'node:assert/strict';
import { routeRecord } from '../../server/routing/routing.ts';
import { createTestApp, login } from './app.ts';

/**
 * A fresh app with five users (a…e, in id order so that rotations read a, b, c, …) and one
 * custom module per name, each test routing in its own module so that rotations do not mix.
 */
export async function routingFixture(modules: string[]) {
  const { app, db, url } = await createTestApp();
  const admin = await login(app);
  const password = 'routing-password-1';

  async function createUser(username: string): Promise<string> {
    const response = await admin.request('POST', '/api/users', { username, password, firstName: username });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<{ id: string }>().id;
  }

  async function createGroup(name: string, memberIds: string[]): Promise<string> {
    const response = await admin.request('POST', '/api/groups', { name, memberIds });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<{ id: string }>().id;
  }

  /** Saves a module's routing, enabled unless the body says otherwise. */
  async function configure(module: string, body: Record<string, unknown>) {
    const response = await admin.request('PUT', `/api/routing/${module}`, { enabled: true, ...body });
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  }

  const route = (module: string, record: Record<string, unknown> = {}) =>
    db.transaction().execute((trx) => routeRecord(trx, module, record));

  /** The assignees of `count` routings in a row, one transaction each. */
  async function assignees(module: string, count: number, record: Record<string, unknown> = {}) {
    const out: (string | null)[] = [];
    for (let i = 0; i < count; i++) out.push((await route(module, record)).assignee);
    return out;
  }

  async function setAvailable(userId: string, available: boolean) {
    const response = await admin.request('PATCH', `/api/users/${userId}`, { available });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().available, available);
  }

  const ids = (await Promise.all(['u1', 'u2', 'u3', 'u4', 'u5'].map(createUser))).sort();
  const usernameOf = new Map<string, string>();
  for (const id of ids) usernameOf.set(id, (await admin.request('GET', `/api/users/${id}`)).json().username);
  for (const name of modules) {
    const response = await admin.request('POST', '/api/modules', { name, label: name });
    assert.equal(response.statusCode, 201, response.body);
  }
  return {
    app,
    db,
    url,
    admin,
    password,
    users: ids as [string, string, string, string, string],
    usernameOf,
    createUser,
    createGroup,
    configure,
    route,
    assignees,
    setAvailable,
  };
}
