/**
 * Each user's date preferences (`/api/me/display`): unset ones follow the workspace, a patch
 * keeps what it does not name, a bad zone or locale is a 400 on its field, and one user's
 * choice is theirs alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApp, login } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db } = await createTestApp();
const admin = await login(app);

test('unset preferences follow the workspace; a patch keeps the rest; each user has their own', async () => {
  assert.equal((await admin.request('PATCH', '/api/settings', { timeZone: 'Asia/Tokyo' })).statusCode, 200);
  const first = await admin.request('GET', '/api/me/display');
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual(first.json(), {
    timeZone: 'Asia/Tokyo',
    locale: 'en-US',
    dateStyle: 'medium',
    hour12: false,
  });

  const changed = await admin.request('PATCH', '/api/me/display', {
    timeZone: 'Europe/Paris',
    dateStyle: 'iso',
  });
  assert.equal(changed.statusCode, 200, changed.body);
  const again = await admin.request('PATCH', '/api/me/display', { hour12: true });
  assert.deepEqual(again.json(), {
    timeZone: 'Europe/Paris',
    locale: 'en-US',
    dateStyle: 'iso',
    hour12: true,
  });

  const other = await signedInUser(app, db, admin, 'dora');
  assert.equal((await other.request('GET', '/api/me/display')).json().timeZone, 'Asia/Tokyo');
});

test('a zone or locale that does not exist is refused on its field', async () => {
  const zone = await admin.request('PATCH', '/api/me/display', { timeZone: 'Mars/Olympus' });
  assert.equal(zone.statusCode, 400, zone.body);
  assert.match(zone.body, /timeZone/);
  const style = await admin.request('PATCH', '/api/me/display', { dateStyle: 'roman' });
  assert.equal(style.statusCode, 400, style.body);
  assert.match(style.body, /dateStyle/);
});
