/**
 * `userOnline` / `onList` as conditions in published flows, end to end on the queue: if/else
 * branches (the runtime gathers facts for startRun / advanceRun) and trigger conditions
 * (the dispatcher gathers them before a run exists).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Flow } from '../schemas/flow.ts';
import { adminPassword, login } from './helpers/app.ts';
import { engineTestApp, eventually, type RunView } from './helpers/engine.ts';

const { app, admin, publish, runOn, create, finished } = await engineTestApp();

async function createUser(username: string): Promise<string> {
  const response = await admin.request('POST', '/api/users', { username, password: adminPassword });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

// Online: signed in. Offline: never signed in, or signed in but invisible.
const present = await createUser('present');
await login(app, 'present', adminPassword);
const absent = await createUser('absent');
const hidden = await createUser('hidden');
const hiddenSession = await login(app, 'hidden', adminPassword);
assert.equal((await hiddenSession.request('PATCH', '/api/me', { invisible: true })).statusCode, 200);

async function createList(body: Record<string, unknown>): Promise<string> {
  const response = await admin.request('POST', '/api/lists', { module: 'contacts', ...body });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

const node = (id: string, type: string, params: Record<string, unknown>, y: number) => ({
  id,
  type,
  params,
  position: { x: 0, y },
});
const mark = (branch: string) => ({ values: { branch } });
const ran = (run: RunView) => run.steps.map((step) => step.nodeId);

test('if/else on the assignee being online and on the record being on a list', async () => {
  const vip = await createList({ name: 'VIP', kind: 'static' });
  const flow: Flow = {
    name: 'Online and listed',
    trigger: { type: 'trigger.manual', params: { module: 'contacts' } },
    nodes: [
      // The first node is a condition: the run's start needs facts too.
      node('online', 'control.if', { condition: { userOnline: [{ var: 'record.assignedTo' }] } }, 100),
      node('isOnline', 'vars.set', mark('online'), 200),
      node('isOffline', 'vars.set', mark('offline'), 200),
      // After a step: the event that resumes the run needs facts.
      node('vip', 'control.if', { condition: { onList: [vip] } }, 300),
      node('isVip', 'vars.set', mark('vip'), 400),
      node('isRegular', 'vars.set', mark('regular'), 400),
    ],
    edges: [
      { source: 'trigger', target: 'online' },
      { source: 'online', target: 'isOnline', sourceHandle: 'true' },
      { source: 'online', target: 'isOffline', sourceHandle: 'false' },
      { source: 'isOnline', target: 'vip' },
      { source: 'isOffline', target: 'vip' },
      { source: 'vip', target: 'isVip', sourceHandle: 'true' },
      { source: 'vip', target: 'isRegular', sourceHandle: 'false' },
    ],
  };
  const flowId = await publish(flow);
  const cases: Array<[assignee: string, listed: boolean, path: string[]]> = [
    [admin.userId, true, ['isOnline', 'isVip']],
    [present, false, ['isOnline', 'isRegular']],
    [absent, true, ['isOffline', 'isVip']],
    [hidden, false, ['isOffline', 'isRegular']],
  ];
  for (const [assignee, listed, path] of cases) {
    const contact = await create('contacts', { firstName: 'Case', lastName: assignee, assignedTo: assignee });
    if (listed) {
      const added = await admin.request('POST', `/api/lists/${vip}/members`, { recordIds: [contact.id] });
      assert.ok(added.statusCode < 300, added.body);
    }
    const run = await runOn(flowId, String(contact.id));
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.deepEqual(ran(run), path);
  }
});

test('a switch on membership of a dynamic list', async () => {
  const web = await createList({
    name: 'Web leads',
    kind: 'dynamic',
    criteria: { '==': [{ var: 'leadSource' }, 'Web'] },
  });
  const flow: Flow = {
    name: 'Switch on list',
    trigger: { type: 'trigger.manual', params: { module: 'contacts' } },
    nodes: [
      node('route', 'control.switch', { cases: [{ handle: 'web', condition: { onList: [web] } }] }, 100),
      node('isWeb', 'vars.set', mark('web'), 200),
      node('isOther', 'vars.set', mark('other'), 200),
    ],
    edges: [
      { source: 'trigger', target: 'route' },
      { source: 'route', target: 'isWeb', sourceHandle: 'web' },
      { source: 'route', target: 'isOther', sourceHandle: 'default' },
    ],
  };
  const flowId = await publish(flow);
  for (const [leadSource, path] of [
    ['Web', ['isWeb']],
    ['Google', ['isOther']],
  ] as const) {
    const contact = await create('contacts', { firstName: 'Lead', lastName: leadSource, leadSource });
    const run = await runOn(flowId, String(contact.id));
    assert.equal(run.status, 'succeeded', JSON.stringify(run));
    assert.deepEqual(ran(run), path);
  }
});

test('trigger conditions on list membership and presence start a run only when they hold', async () => {
  const web = await createList({
    name: 'Web leads (trigger)',
    kind: 'dynamic',
    criteria: { '==': [{ var: 'leadSource' }, 'Web'] },
  });
  const flow: Flow = {
    name: 'Created, listed, owner online',
    trigger: {
      type: 'trigger.recordCreated',
      params: {
        module: 'contacts',
        conditions: { and: [{ onList: [web] }, { userOnline: [{ var: 'record.assignedTo' }] }] },
      },
    },
    nodes: [node('hit', 'vars.set', mark('hit'), 100)],
    edges: [{ source: 'trigger', target: 'hit' }],
  };
  const flowId = await publish(flow);
  // Events are dispatched in order: once the last contact's run exists, the others were
  // decided. A false trigger condition starts nothing and logs nothing, so only runs tell.
  const cases: Array<[leadSource: string, assignee: string]> = [
    ['Google', present],
    ['Web', absent],
    ['Web', hidden],
    ['Web', present],
  ];
  const ids: string[] = [];
  for (const [leadSource, assignee] of cases) {
    const contact = await create('contacts', {
      firstName: 'T',
      lastName: leadSource,
      leadSource,
      assignedTo: assignee,
    });
    ids.push(String(contact.id));
  }
  const last = ids.at(-1);
  const runs = await eventually(async () => {
    const page = (await admin.request('GET', `/api/flows/${flowId}/runs`)).json() as {
      items: Array<{ id: string; recordId: string }>;
    };
    return page.items.some((run) => run.recordId === last) ? page.items : undefined;
  }, 'the run on the listed contact with an online owner');
  assert.deepEqual(
    runs.map((run) => run.recordId),
    [last],
  );
  assert.equal((await finished(runs[0]?.id as string)).status, 'succeeded');
});
