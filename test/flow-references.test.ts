/**
 * What a flow's pickers store (user, group, list, record and field references) is checked
 * before publishing: an empty required one, one that no longer exists, a typed value that is
 * none of them, and a field a module does not have are problems on their node, in plain words.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { marketingRefs } from './helpers/marketing-refs.ts';

const { app } = await createTestApp();
const admin = await login(app);

const flowWith = (nodes: { id: string; type: string; params: Record<string, unknown> }[]) => ({
  name: 'References',
  trigger: { type: 'trigger.recordCreated', params: { module: 'contacts' } },
  nodes: nodes.map((node, index) => ({ ...node, position: { x: 0, y: 100 * (index + 1) } })),
  edges: nodes.map((node, index) => ({
    id: `e${index}`,
    source: index === 0 ? 'trigger' : (nodes[index - 1]?.id as string),
    target: node.id,
  })),
});

async function problems(flow: unknown) {
  const response = await admin.request('POST', '/api/flows/validate', flow);
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ problems: { code: string; nodeId?: string; path?: string; message: string }[] }>()
    .problems;
}

test('existing references, variables and an empty optional one are no problem', async () => {
  const list = await admin.request('POST', '/api/lists', { name: 'VIP', module: 'contacts', kind: 'static' });
  assert.equal(list.statusCode, 201, list.body);
  const contact = await admin.request('POST', '/api/records/contacts', { firstName: 'Ada', lastName: 'L' });
  assert.equal(contact.statusCode, 201, contact.body);
  const found = await problems(
    flowWith([
      { id: 'assign', type: 'record.assign', params: { to: 'user', assignee: admin.userId } },
      { id: 'notify', type: 'notification.create', params: { userId: '{{record.assignedTo}}', text: 'Hi' } },
      { id: 'add', type: 'list.add', params: { listId: list.json().id } },
      { id: 'task', type: 'task.create', params: { subject: 'Call' } },
      { id: 'update', type: 'record.update', params: { values: { leadSource: 'Web', firstName: 'X' } } },
      { id: 'del', type: 'record.delete', params: { module: 'contacts', recordId: contact.json().id } },
    ]),
  );
  assert.deepEqual(found, []);
});

test('gone, typed and unknown references are problems on their node and param', async () => {
  const found = await problems(
    flowWith([
      { id: 'assign', type: 'record.assign', params: { to: 'user', assignee: randomUUID() } },
      { id: 'notify', type: 'notification.create', params: { userId: 'bob', text: 'Hi' } },
      { id: 'add', type: 'list.add', params: { listId: randomUUID() } },
      { id: 'update', type: 'record.update', params: { values: { nickname: 'X' } } },
      { id: 'del', type: 'record.delete', params: { module: 'contacts', recordId: randomUUID() } },
    ]),
  );
  const byNode = Object.fromEntries(found.map((p) => [p.nodeId, p]));
  assert.deepEqual(
    found.map((p) => [p.nodeId, p.path]),
    [
      ['assign', '/assignee'],
      ['notify', '/userId'],
      ['add', '/listId'],
      ['update', '/values/nickname'],
      ['del', '/recordId'],
    ],
  );
  assert.match(byNode.assign?.message ?? '', /user or group chosen for "User or group" no longer exists/);
  assert.match(
    byNode.notify?.message ?? '',
    /"User": pick a user by name \(or a variable\); "bob" is not one/,
  );
  assert.match(byNode.add?.message ?? '', /list chosen for "List" no longer exists/);
  assert.match(byNode.update?.message ?? '', /"nickname" is not a field of Contacts/);
  assert.match(byNode.del?.message ?? '', /record chosen for "Record" no longer exists/);
});

test('assigning to a user with nobody chosen cannot be published; routing needs nobody', async () => {
  const empty = await problems(flowWith([{ id: 'assign', type: 'record.assign', params: { to: 'user' } }]));
  assert.ok(
    empty.some((p) => p.nodeId === 'assign' && /assignee/.test(p.message)),
    JSON.stringify(empty),
  );
  assert.deepEqual(
    await problems(flowWith([{ id: 'assign', type: 'record.assign', params: { to: 'routing' } }])),
    [],
  );
});

test('a field the trigger module does not have is a problem on the trigger', async () => {
  const flow = {
    ...flowWith([{ id: 'task', type: 'task.create', params: { subject: 'Call' } }]),
    trigger: { type: 'trigger.recordUpdated', params: { module: 'contacts', field: 'shoeSize' } },
  };
  const found = await problems(flow);
  assert.deepEqual(
    found.map((p) => [p.code, p.nodeId, p.path]),
    [['trigger.params', 'trigger', '/field']],
  );
});

test('an email template, a sending account and a campaign are checked like the other references', async () => {
  const { templateId, accountId, campaignId } = await marketingRefs(admin, {
    template: 'Welcome',
    account: 'Sales',
    campaign: 'Spring',
  });
  const existing = await problems(
    flowWith([
      {
        id: 'mail',
        type: 'email.send',
        params: { templateId, from: 'account', accountId },
      },
      { id: 'launch', type: 'campaign.launch', params: { campaignId } },
    ]),
  );
  assert.deepEqual(existing, []);
  const gone = await problems(
    flowWith([
      {
        id: 'mail',
        type: 'email.send',
        params: { templateId: randomUUID(), from: 'account', accountId: randomUUID() },
      },
      { id: 'launch', type: 'campaign.launch', params: { campaignId: 'spring' } },
    ]),
  );
  assert.deepEqual(
    gone.map((p) => [p.nodeId, p.path, p.message]),
    [
      ['mail', '/templateId', 'The email template chosen for "Template" no longer exists: choose another'],
      ['mail', '/accountId', 'The sending account chosen for "Account" no longer exists: choose another'],
      ['launch', '/campaignId', '"Campaign": pick a campaign by name (or a variable); "spring" is not one'],
    ],
  );
});
