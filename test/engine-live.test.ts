import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, straightFlow } from './helpers/engine.ts';
import { LiveClient } from './helpers/live-client.ts';

// A flow's live messages wait for its step to commit and then go out in a batch
// (server/collaboration/live.ts deferLive); a step that rolls back never hands its over.
const { app, admin, publish, runOn, create } = await engineTestApp();
const address = await app.listen({ host: '127.0.0.1', port: 0 });
const wsUrl = `${address.replace(/^http/, 'ws')}/api/ws`;

test("a flow's notification and feed post reach the sockets once the step has committed", async () => {
  const client = await LiveClient.connect(wsUrl, { cookie: admin.cookie });
  const flow = await publish(
    straightFlow('Tell me', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['tell', 'notification.create', { userId: admin.userId, text: 'about {{record.firstName}}' }],
      ['post', 'feed.post', { text: 'posted about {{record.firstName}}' }],
    ]),
  );
  const contact = await create('contacts', { firstName: 'Lina', lastName: 'Live' });
  const run = await runOn(flow, String(contact.id));
  assert.equal(run.status, 'succeeded');
  const notified = await client.next('notification.created');
  assert.equal(notified.data.notification.text, 'about Lina');
  const posted = await client.next('feed.post.created');
  assert.equal(posted.data.text, 'posted about Lina');
  client.close();
});
