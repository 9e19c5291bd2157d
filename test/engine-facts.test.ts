/**
 * `userOnline` / `onList` conditions against the real database: the facts gathered for
 * them (engine/runtime/facts.ts over server/automation/engine-services.ts), a trigger-style
 * condition outside any run, and the draft test run, which gathers facts for its branches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conditionHolds, gatherFacts } from '../engine/runtime/facts.ts';
import type { Flow } from '../schemas/flow.ts';
import { factServices } from '../server/automation/engine-services.ts';
import { adminPassword, createTestApp, login } from './helpers/app.ts';

const { app, db } = await createTestApp();
const admin = await login(app);
const facts = factServices(db);

async function create(module: string, values: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await admin.request('POST', `/api/records/${module}`, values);
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

async function createUser(username: string): Promise<string> {
  const response = await admin.request('POST', '/api/users', { username, password: adminPassword });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

// Online: signed in. Offline: never signed in; signed in but invisible.
const onlineUser = await createUser('present');
await login(app, 'present', adminPassword);
const neverSignedIn = await createUser('absent');
const invisibleUser = await createUser('hidden');
const hidden = await login(app, 'hidden', adminPassword);
assert.equal((await hidden.request('PATCH', '/api/me', { invisible: true })).statusCode, 200);

const member = await create('contacts', { firstName: 'Mia', lastName: 'Member', leadSource: 'Web' });
const outsider = await create('contacts', {
  firstName: 'Otto',
  lastName: 'Outside',
  leadSource: 'Google',
  assignedTo: neverSignedIn,
});
const staticList = (
  await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'VIP',
    kind: 'static',
    recordIds: [member.id],
  })
).json().id as string;
const dynamicList = (
  await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'Web leads',
    kind: 'dynamic',
    criteria: { '==': [{ var: 'leadSource' }, 'Web'] },
  })
).json().id as string;
const memberId = String(member.id);
const outsiderId = String(outsider.id);

test('gatherFacts answers presence and membership, one answer per question', async () => {
  const missingList = '00000000-0000-4000-8000-000000000000';
  const answers = await gatherFacts(facts, {
    users: [admin.userId, onlineUser, neverSignedIn, invisibleUser, 'not-an-id'],
    lists: {
      [staticList]: [memberId, outsiderId],
      [dynamicList]: [memberId, outsiderId, 'not-an-id'],
      [missingList]: [memberId],
    },
  });
  assert.deepEqual(answers, {
    online: {
      [admin.userId]: true,
      [onlineUser]: true,
      [neverSignedIn]: false,
      [invisibleUser]: false,
      'not-an-id': false,
    },
    lists: {
      [staticList]: { [memberId]: true, [outsiderId]: false },
      [dynamicList]: { [memberId]: true, [outsiderId]: false, 'not-an-id': false },
      [missingList]: { [memberId]: false },
    },
  });
});

test('a condition outside a run (a trigger condition) looks up what it needs', async () => {
  const cases: Array<[rule: unknown, record: Record<string, unknown>, expected: boolean]> = [
    [{ userOnline: [{ var: 'record.assignedTo' }] }, member, true],
    [{ userOnline: [{ var: 'record.assignedTo' }] }, outsider, false],
    [{ onList: [staticList] }, member, true],
    [{ onList: [staticList] }, outsider, false],
    [{ and: [{ onList: [dynamicList] }, { userOnline: [onlineUser] }] }, member, true],
    [{ or: [{ onList: [dynamicList] }, { userOnline: [invisibleUser] }] }, outsider, false],
    [{ onList: [staticList, { var: 'vars.other' }] }, outsider, true],
    [{ '==': [{ var: 'record.leadSource' }, 'Web'] }, member, true],
  ];
  for (const [rule, record, expected] of cases) {
    const context = { record, vars: { other: memberId }, now: new Date().toISOString() };
    assert.equal(await conditionHolds(facts, rule, context), expected, JSON.stringify(rule));
  }
});

const step = (id: string, type: string, params: Record<string, unknown>, y: number) => ({
  id,
  type,
  params,
  position: { x: 0, y },
});
const mark = (branch: string) => ({ values: { branch } });

/** if the assignee is online → online / offline; then if on the VIP list → vip / regular. */
const draft: Flow = {
  name: 'Facts in branches',
  trigger: { type: 'trigger.manual', params: { module: 'contacts' } },
  nodes: [
    step('online', 'control.if', { condition: { userOnline: [{ var: 'record.assignedTo' }] } }, 100),
    step('isOnline', 'vars.set', mark('online'), 200),
    step('isOffline', 'vars.set', mark('offline'), 200),
    step('vip', 'control.if', { condition: { onList: [staticList] } }, 400),
    step('isVip', 'vars.set', mark('vip'), 500),
    step('isRegular', 'vars.set', mark('regular'), 500),
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

test('a test run of a draft takes the branches the facts say', async () => {
  const created = await admin.request('POST', '/api/flows', { name: draft.name, definition: draft });
  assert.equal(created.statusCode, 201, created.body);
  const flowId = created.json().id as string;
  for (const [record, expected] of [
    [memberId, ['isOnline', 'isVip']],
    [outsiderId, ['isOffline', 'isRegular']],
  ] as const) {
    const response = await admin.request('POST', `/api/flows/${flowId}/test-runs`, { recordId: record });
    assert.equal(response.statusCode, 200, response.body);
    const result = response.json() as { status: string; steps: Array<{ nodeId: string }> };
    assert.equal(result.status, 'succeeded', response.body);
    assert.deepEqual(
      result.steps.map((s) => s.nodeId),
      expected,
    );
  }
});

test('the validator refuses a list id that is not written out', async () => {
  const bad = structuredClone(draft);
  (bad.nodes[3] as { params: unknown }).params = { condition: { onList: [{ var: 'vars.list' }] } };
  const response = await admin.request('POST', '/api/flows/validate', bad);
  assert.equal(response.statusCode, 200, response.body);
  const problems = response.json().problems as Array<{ code: string; nodeId: string; message: string }>;
  assert.deepEqual(
    problems.map((p) => [p.code, p.nodeId, p.message]),
    [['node.condition', 'vip', '"onList" takes a list id (a non-empty string) first']],
  );
});
