/**
 * A code step's `linked`: the records the current record's link fields lead to (and the
 * assignee's profile), read-only inside the sandbox, as the flow's owner may see them (a
 * field hidden from the owner's roles is absent); "run with the sample record" gives them as
 * the caller sees them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, straightFlow } from './helpers/engine.ts';

const { db, admin, publish, runOn, create } = await engineTestApp();

const role = await admin.request('POST', '/api/roles', {
  name: 'Reps',
  permissions: { '*': { view: 'all', create: 'all', update: 'all' } },
});
assert.equal(role.statusCode, 201, role.body);
const roleId = role.json<{ id: string }>().id;
const hide = await admin.request('PUT', `/api/roles/${roleId}/field-permissions`, {
  rules: [{ module: 'accounts', field: 'phone', access: 'hidden' }],
});
assert.equal(hide.statusCode, 200, hide.body);
const rita = await admin.request('POST', '/api/users', {
  username: 'rita',
  password: 'a-long-password-1',
  roleIds: [roleId],
});
assert.equal(rita.statusCode, 201, rita.body);

const account = await create('accounts', { name: 'Initech', phone: '555-0100' });
const contact = await create('contacts', { firstName: 'Ada', lastName: 'Lovelace', company: account.id });

const source = `
// Read-only: a write is refused (strict code) or has no effect (sloppy code).
try { (linked.company as any).name = 'changed'; } catch {}
try { (globalThis as any).linked = {}; } catch {}
const write = linked.company?.name === 'Initech' ? 'unchanged' : 'changed';
return {
  company: linked.company?.name,
  phone: linked.company && 'phone' in linked.company ? linked.company.phone : 'hidden',
  owner: linked.assignedTo?.username,
  write,
};`;

const flowId = await publish(
  straightFlow('Linked in code', { type: 'trigger.manual', params: { module: 'contacts' } }, [
    ['calc', 'code.run', { language: 'ts', source }],
  ]),
);

async function result() {
  const run = await runOn(flowId, String(contact.id));
  const step = run.steps.find((candidate) => candidate.nodeId === 'calc');
  assert.equal(step?.status, 'done', JSON.stringify(run));
  return step?.output?.result;
}

test('a code step reads the linked records, read-only; the assignee as a profile', async () => {
  assert.deepEqual(await result(), {
    company: 'Initech',
    phone: '555-0100',
    owner: 'admin',
    write: 'unchanged',
  });
});

test('as the flow’s owner sees them: a field hidden from the owner’s roles is absent', async () => {
  await db
    .updateTable('flows')
    .set({ createdBy: rita.json<{ id: string }>().id })
    .where('id', '=', flowId)
    .execute();
  assert.deepEqual(await result(), {
    company: 'Initech',
    phone: 'hidden',
    owner: 'admin',
    write: 'unchanged',
  });
});

test('run with the sample record: the linked records are there too', async () => {
  const tried = await admin.request('POST', '/api/flows/code-runs', {
    module: 'contacts',
    recordId: contact.id,
    language: 'ts',
    source,
  });
  assert.equal(tried.statusCode, 200, tried.body);
  assert.deepEqual(tried.json().output, {
    company: 'Initech',
    phone: '555-0100',
    owner: 'admin',
    write: 'unchanged',
  });
});
