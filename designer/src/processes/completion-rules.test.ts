import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateHint, editRefusal, mayReassign, type ProgressRules } from './completion-rules.ts';

const user: ProgressRules = {
  backdateWindowSeconds: 86_400,
  backdateRangeSeconds: 7 * 86_400,
  allowReassign: false,
  admin: false,
};
const now = Date.parse('2026-03-10T12:00:00Z');

test('a completed stage may be changed within the backdate window; an admin always', () => {
  assert.equal(editRefusal(user, '2026-03-10T00:00:00Z', now), null);
  assert.equal(
    editRefusal(user, '2026-03-08T00:00:00Z', now),
    'Completed more than 1 day ago: past the backdate window for changing it',
  );
  assert.equal(
    editRefusal({ ...user, backdateWindowSeconds: 0 }, '2026-03-10T11:00:00Z', now),
    'The settings do not allow changing a completed stage',
  );
  assert.equal(editRefusal({ ...user, backdateWindowSeconds: null }, '2020-01-01T00:00:00Z', now), null);
  assert.equal(editRefusal({ ...user, admin: true }, '2020-01-01T00:00:00Z', now), null);
});

test('who completed it: only when reassignment is allowed, or for an admin; the date hint follows the range', () => {
  assert.equal(mayReassign(user), false);
  assert.equal(mayReassign({ ...user, allowReassign: true }), true);
  assert.equal(mayReassign({ ...user, admin: true }), true);
  assert.equal(dateHint(user), 'At most 1 week back');
  assert.equal(dateHint({ ...user, backdateRangeSeconds: 0 }), 'The settings allow no earlier date than now');
  assert.equal(dateHint({ ...user, admin: true }), 'Any date up to now');
});
