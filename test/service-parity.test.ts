import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

async function create(module: string, body: Record<string, unknown>) {
  const response = await admin.request('POST', `/api/records/${module}`, body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { id: string };
}

test('bug reports: a standard module with status, type, severity, environment and duplicate-of', async () => {
  const module = (await admin.request('GET', '/api/modules/bugreports')).json();
  assert.equal(module.label, 'Bug Reports');
  assert.equal(module.custom, false);
  const first = await create('bugreports', {
    name: 'Export times out',
    status: 'Confirmed',
    type: 'Bug',
    severity: '2 - Critical',
    environment: 'production',
  });
  const dup = await create('bugreports', { name: 'Export is slow', duplicateOf: first.id });
  const read = (await admin.request('GET', `/api/records/bugreports/${dup.id}`)).json();
  assert.equal(read.duplicateOf, first.id);
  assert.equal(read._display.duplicateOf, 'Export times out');
  const bad = await admin.request('POST', '/api/records/bugreports', { name: 'x', severity: 'Whatever' });
  assert.equal(bad.statusCode, 400);
});

test('similar solved cases: resolved cases ranked by subject and description, visible ones only', async () => {
  const current = await create('cases', {
    name: 'Cannot log in after password reset',
    description: 'The login page says the password is wrong after a reset',
    status: 'New',
  });
  const best = await create('cases', {
    name: 'Cannot log in after a password reset',
    description: 'Password reset then login fails',
    status: 'Closed - Resolved',
    resolution: 'Clear the old session cookie',
  });
  const weaker = await create('cases', {
    name: 'Login page slow',
    description: 'The login page takes ten seconds',
    status: 'Closed - Resolved',
  });
  await create('cases', { name: 'Cannot log in after password reset', status: 'Work In Progress' });
  await create('cases', { name: 'Invoice total wrong', status: 'Closed - Resolved' });
  const response = await admin.request('GET', `/api/cases/${current.id}/similar`);
  assert.equal(response.statusCode, 200, response.body);
  const items = response.json().items as { id: string; score: number; resolution: string | null }[];
  assert.deepEqual(
    items.map((item) => item.id),
    [best.id, weaker.id],
  );
  assert.equal(items[0]?.resolution, 'Clear the old session cookie');
  assert.ok((items[0]?.score ?? 0) > (items[1]?.score ?? 1));
  // Someone who may not view cases is refused.
  const outsider = await signedInUser(app, db, admin, 'no-cases', {
    contacts: { view: 'all', create: 'none', update: 'none', delete: 'none' },
  });
  assert.equal((await outsider.request('GET', `/api/cases/${current.id}/similar`)).statusCode, 403);
});
