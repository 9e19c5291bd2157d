/**
 * Action-history privacy (X2CRM's "Action History Privacy"): the setting decides whose
 * entries of a record's changelog a non-admin sees — everyone's, only their own, or their
 * groups' members' too. Admins always see every entry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login, type Session } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db } = await createTestApp();
const admin = await login(app);
const everything = { '*': { view: 'all' as const, create: 'all' as const, update: 'all' as const } };
const ann = await signedInUser(app, db, admin, 'ann', everything);
const ben = await signedInUser(app, db, admin, 'ben', everything);
const cat = await signedInUser(app, db, admin, 'cat', everything);
const group = await admin.request('POST', '/api/groups', {
  name: 'East',
  memberIds: [ann.userId, ben.userId],
});
assert.equal(group.statusCode, 201, group.body);

const created = await ann.request('POST', '/api/records/contacts', { firstName: 'Dee', lastName: 'Shared' });
assert.equal(created.statusCode, 201, created.body);
const id = created.json().id as string;
for (const [who, title] of [
  [ben, 'by ben'],
  [cat, 'by cat'],
] as const) {
  const changed = await who.request('PATCH', `/api/records/contacts/${id}`, { title });
  assert.equal(changed.statusCode, 200, changed.body);
}

async function authors(as: Session) {
  const response = await as.request('GET', `/api/records/contacts/${id}/changelog?limit=50`);
  assert.equal(response.statusCode, 200, response.body);
  return (response.json().items as { actorName: string }[]).map((entry) => entry.actorName).sort();
}
async function privacy(value: string) {
  const response = await admin.request('PATCH', '/api/settings', { actionHistoryPrivacy: value });
  assert.equal(response.statusCode, 200, response.body);
}

const cases: Array<{ setting: string; as: Session; name: string; sees: string[] }> = [
  { setting: 'default', as: cat, name: 'cat', sees: ['ann', 'ben', 'cat'] },
  { setting: 'user', as: ann, name: 'ann', sees: ['ann'] },
  { setting: 'user', as: cat, name: 'cat', sees: ['cat'] },
  { setting: 'group', as: ann, name: 'ann', sees: ['ann', 'ben'] },
  { setting: 'group', as: cat, name: 'cat (in no group)', sees: ['cat'] },
  { setting: 'user', as: admin, name: 'an admin', sees: ['ann', 'ben', 'cat'] },
];
for (const { setting, as, name, sees } of cases) {
  test(`history privacy "${setting}": ${name} sees the entries of ${sees.join(', ')}`, async () => {
    await privacy(setting);
    assert.deepEqual(await authors(as), sees);
  });
}

test('the setting is refused with a reason when it is not one of the three', async () => {
  const response = await admin.request('PATCH', '/api/settings', { actionHistoryPrivacy: 'nobody' });
  assert.equal(response.statusCode, 400);
  assert.match(JSON.stringify(response.json().error.details), /actionHistoryPrivacy/);
  const read = await admin.request('GET', '/api/settings');
  assert.ok(['default', 'user', 'group'].includes(read.json().actionHistoryPrivacy));
});
