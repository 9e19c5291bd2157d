/**
 * One layout is both view and form by default (issue 16): a module with one layout uses it
 * for both without anyone marking it; a layout marked for one kind serves the other too until
 * another is marked for it (a separate view layout stays possible). A form must still place
 * every required field, so one that does not is never used to edit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';

const { app } = await createTestApp();
const admin = await login(app);
const base = '/api/modules/contacts/layouts';

const layout = (name: string, fields: string[]) => ({
  name,
  sections: [{ title: 'Main', rows: [{ columns: [{ fields }] }] }],
});
const create = async (name: string, fields: string[]) => {
  const response = await admin.request('POST', base, layout(name, fields));
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string }>().id;
};
const defaults = async () => {
  const view = (await admin.request('GET', `${base}/default?kind=view`)).json();
  const form = (await admin.request('GET', `${base}/default?kind=form`)).json();
  return { view: view.id, form: form.id };
};

test('the only layout is both view and form; one marked for a kind serves the other until another is', async () => {
  assert.deepEqual(await defaults(), { view: null, form: null });
  const only = await create('Only', ['firstName', 'lastName', 'email']);
  assert.deepEqual(await defaults(), { view: only, form: only });

  const second = await create('Second', ['firstName', 'lastName']);
  assert.deepEqual(
    await defaults(),
    { view: null, form: null },
    'two unmarked layouts: none is chosen for the user',
  );
  assert.equal((await admin.request('POST', `${base}/${second}/default`, { kind: 'form' })).statusCode, 200);
  assert.deepEqual(await defaults(), { view: second, form: second });
  assert.equal((await admin.request('POST', `${base}/${only}/default`, { kind: 'view' })).statusCode, 200);
  assert.deepEqual(await defaults(), { view: only, form: second });
});

test('a view layout without the required fields is never used as the form', async () => {
  const { app: other } = await createTestApp();
  const otherAdmin = await login(other);
  const created = await otherAdmin.request('POST', base, layout('Names only', ['firstName', 'email']));
  assert.equal(created.statusCode, 201, created.body);
  const view = (await otherAdmin.request('GET', `${base}/default?kind=view`)).json();
  const form = (await otherAdmin.request('GET', `${base}/default?kind=form`)).json();
  assert.equal(view.id, created.json().id);
  assert.equal(form.generated, true);
});
