import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, straightFlow } from './helpers/engine.ts';

const { admin, publish, runOn, create } = await engineTestApp();

/** A manual flow on contacts that runs one check and posts its output. */
function checkFlow(name: string, type: string, params: Record<string, unknown>) {
  return straightFlow(name, { type: 'trigger.manual', params: { module: 'contacts' } }, [
    ['check', type, params],
  ]);
}

test('"is the record on a list" answers for members and non-members, static and dynamic', async () => {
  const member = await create('contacts', { firstName: 'Mia', lastName: 'Member', leadSource: 'Web' });
  const outsider = await create('contacts', { firstName: 'Otto', lastName: 'Outside', leadSource: 'Google' });
  const staticList = await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'VIP',
    kind: 'static',
    recordIds: [member.id],
  });
  assert.equal(staticList.statusCode, 201, staticList.body);
  const dynamicList = await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'Web leads',
    kind: 'dynamic',
    criteria: { '==': [{ var: 'leadSource' }, 'Web'] },
  });
  assert.equal(dynamicList.statusCode, 201, dynamicList.body);
  for (const [list, record, expected] of [
    [staticList.json().id, member.id, true],
    [staticList.json().id, outsider.id, false],
    [dynamicList.json().id, member.id, true],
    [dynamicList.json().id, outsider.id, false],
  ] as const) {
    const flowId = await publish(checkFlow(`On list ${list} ${record}`, 'list.hasRecord', { listId: list }));
    const run = await runOn(flowId, String(record));
    assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
    assert.deepEqual(run.steps[0]?.output, { onList: expected });
  }
});

test('"is a user online" is true for a signed-in user and false for one who is not', async () => {
  const contact = await create('contacts', { firstName: 'Ola', lastName: 'Online' });
  const offline = await admin.request('POST', '/api/users', {
    username: 'offline',
    password: 'offline-password',
  });
  assert.equal(offline.statusCode, 201, offline.body);
  for (const [userId, expected] of [
    [admin.userId, true],
    [offline.json().id, false],
  ] as const) {
    const flowId = await publish(checkFlow(`Online ${userId}`, 'user.isOnline', { userId }));
    const run = await runOn(flowId, String(contact.id));
    assert.deepEqual(run.steps[0]?.output, { online: expected });
  }
});
