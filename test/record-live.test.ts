/**
 * Open record pages and lists refresh when a record changes, whoever changed it: the
 * dispatcher pushes `record.changed` (module, ids) over the live channel for each batch of
 * committed record events (collaboration/record-changes.ts) — from a person's edit and from
 * a flow's step alike.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, straightFlow } from './helpers/engine.ts';
import { LiveClient } from './helpers/live-client.ts';

const { app, admin, publish, runOn, create } = await engineTestApp();
const address = await app.listen({ host: '127.0.0.1', port: 0 });
const wsUrl = `${address.replace(/^http/, 'ws')}/api/ws`;

test('a person creating and editing a record, and a flow updating it, each push the record id', async () => {
  const client = await LiveClient.connect(wsUrl, { cookie: admin.cookie });
  const contact = await create('contacts', { firstName: 'Lina', lastName: 'Live' });
  const created = await client.next('record.changed');
  assert.deepEqual(created.data, { module: 'contacts', ids: [contact.id], created: true, deleted: false });

  const edited = await admin.request('PATCH', `/api/records/contacts/${contact.id}`, { lastName: 'Later' });
  assert.equal(edited.statusCode, 200, edited.body);
  assert.deepEqual((await client.next('record.changed')).data.ids, [contact.id]);

  const flow = await publish(
    straightFlow('Rename', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['rename', 'record.update', { values: { title: 'Changed by a flow' } }],
    ]),
  );
  const run = await runOn(flow, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const pushed = await client.next('record.changed');
  assert.deepEqual(pushed.data, { module: 'contacts', ids: [contact.id], created: false, deleted: false });
  client.close();
});
