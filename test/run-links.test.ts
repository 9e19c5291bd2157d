/**
 * Linked records for templates and code steps (`{{record.company.name}}`) are read in batches:
 * one query per module per link depth, however many paths lead there — not one per path. A
 * logging handle on the database counts the reads of each table (a regression back to one
 * query per path fails the count).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadLinks } from '../server/automation/run-data.ts';
import { createTestApp, login } from './helpers/app.ts';
import { countedDb } from './helpers/counted-db.ts';

const { app, db, url } = await createTestApp();
const admin = await login(app);

const { counted, statements } = countedDb(url);
const reads = (table: string) =>
  statements.filter((sql) => new RegExp(`from "${table}"`, 'i').test(sql)).length;

const field = await admin.request('POST', '/api/modules/contacts/fields', {
  name: 'supplier',
  label: 'Supplier',
  type: 'link',
  options: { module: 'accounts' },
});
assert.equal(field.statusCode, 201, field.body);

const bob = await admin.request('POST', '/api/users', {
  username: 'bob',
  firstName: 'Bob',
  lastName: 'Brown',
  email: 'bob@example.com',
  password: 'a-long-password-1',
});
assert.equal(bob.statusCode, 201, bob.body);
const bobId = bob.json<{ id: string }>().id;

async function create(module: string, values: Record<string, unknown>) {
  const response = await admin.request('POST', `/api/records/${module}`, values);
  assert.equal(response.statusCode, 201, response.body);
  return response.json<Record<string, unknown> & { id: string }>();
}

const initech = await create('accounts', { name: 'Initech', assignedTo: bobId });
const globex = await create('accounts', { name: 'Globex' });
const contact = await create('contacts', {
  firstName: 'Ada',
  lastName: 'Lovelace',
  company: initech.id,
  supplier: globex.id,
  assignedTo: bobId,
});
const record = { ...contact, module: 'contacts' };
const paths = ['assignedTo', 'company', 'company.assignedTo', 'supplier', 'supplier.assignedTo'];

test('two links to the same module at one depth: one query for that module, and every path answered', async () => {
  // Once without counting: module definitions are cached after their first read.
  await loadLinks(counted, record, paths);
  statements.length = 0;
  const links = await loadLinks(counted, record, paths);
  assert.equal(links.company?.name, 'Initech');
  assert.equal(links.supplier?.name, 'Globex');
  assert.equal(links.assignedTo?.email, 'bob@example.com');
  assert.equal(links['company.assignedTo']?.username, 'bob');
  assert.equal(links['supplier.assignedTo']?.username, 'admin', 'Globex is its creator’s');
  const all = JSON.stringify(statements, null, 1);
  assert.equal(reads('rec_accounts'), 1, all);
  assert.equal(reads('rec_contacts'), 0, all);
  // Profiles: one read of users per depth (the contact's assignee, then both accounts').
  assert.equal(reads('users'), 2, all);
});

test('a link to a record that is gone is null; paths that are not links are left out', async () => {
  const gone = await create('accounts', { name: 'Gone Inc' });
  assert.equal((await admin.request('DELETE', `/api/records/accounts/${gone.id}`)).statusCode, 204);
  const links = await loadLinks(db, { ...record, company: gone.id }, ['company', 'company.name', 'lastName']);
  assert.deepEqual(links, { company: null });
});
