/**
 * A macro run as the user who started it sees it (`GET /api/macros/runs/:id`, what the record
 * page's macro button shows): its status and, when it failed, why; nobody else's runs. A macro's
 * roles must exist for it to publish.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db, admin, publish, create } = await engineTestApp();
const runner = await signedInUser(app, db, admin, 'runner');
const other = await signedInUser(app, db, admin, 'other');
const userRole = (
  await db.selectFrom('roles').select('id').where('name', '=', 'User').executeTakeFirstOrThrow()
).id;
const contact = await create('contacts', { firstName: 'Mac', lastName: 'Run', visibility: 'public' });

async function runAs(session: typeof runner, flowId: string) {
  const started = await session.request('POST', `/api/macros/${flowId}/run`, { recordIds: [contact.id] });
  assert.equal(started.statusCode, 202, started.body);
  return started.json().runIds[0] as string;
}
const ended = (runId: string) =>
  eventually(async () => {
    const response = await runner.request('GET', `/api/macros/runs/${runId}`);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    return ['succeeded', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
  }, `macro run ${runId}`);

test('the runner reads the outcome of their macro run; another user cannot', async () => {
  const flowId = await publish(
    straightFlow('Tag it', { type: 'trigger.macro', params: { module: 'contacts', roles: [userRole] } }, [
      ['tag', 'record.tags', { action: 'add', tags: ['macro'] }],
    ]),
  );
  const runId = await runAs(runner, flowId);
  const body = await ended(runId);
  assert.deepEqual([body.macro, body.status, body.error], ['Tag it', 'succeeded', null]);
  assert.equal((await other.request('GET', `/api/macros/runs/${runId}`)).statusCode, 404);
  assert.equal((await admin.request('GET', `/api/macros/runs/${runId}`)).statusCode, 200);
});

test('a failed macro run says why', async () => {
  const flowId = await publish(
    straightFlow('Assign nobody', { type: 'trigger.macro', params: { module: 'contacts', roles: ['*'] } }, [
      ['post', 'feed.post', { text: 'x', author: 'user', authorUserId: '{{record.title}}' }],
    ]),
  );
  await admin.request('PATCH', `/api/records/contacts/${contact.id}`, { title: 'no-such-user' });
  const body = await ended(await runAs(runner, flowId));
  assert.equal(body.status, 'failed');
  assert.match(String(body.error), /authorUserId|user/i);
});

test("a macro's roles must exist to publish", async () => {
  const created = await admin.request('POST', '/api/flows', {
    name: 'Ghost role',
    definition: straightFlow(
      'Ghost role',
      {
        type: 'trigger.macro',
        params: { module: 'contacts', roles: ['00000000-0000-4000-8000-000000000000'] },
      },
      [['tag', 'record.tags', { action: 'add', tags: ['x'] }]],
    ),
  });
  assert.equal(created.statusCode, 201, created.body);
  const published = await admin.request('POST', `/api/flows/${created.json().id}/publish`);
  assert.equal(published.statusCode, 400, published.body);
  assert.match(published.json().error.details[0].message, /role chosen for "Available to" no longer exists/);
});
