/**
 * Reads a batch of flow work makes once instead of per item (issue 12: a flow run by hand on
 * 500 records read each with four statements): `getRecords` answers what `getRecord` answers
 * for each id, in the order asked, with the same number of statements for 3 records as for 30,
 * and a 404 naming the first id it cannot find; a transaction with its settings pinned reads
 * their token once. A logging handle on the test database counts the statements.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { Principal } from '../server/platform/authz.ts';
import { WeftError } from '../server/platform/errors.ts';
import { currentSettings, pinSettings } from '../server/platform/settings.ts';
import { getRecord, getRecords } from '../server/records/records.ts';
import { createTestApp, login } from './helpers/app.ts';
import { countedDb } from './helpers/counted-db.ts';

const { app, url } = await createTestApp();
const admin = await login(app);

const { counted, statements } = countedDb(url);

const principal: Principal = {
  id: admin.userId,
  username: 'admin',
  isAdmin: true,
  roleIds: [],
  groupIds: [],
  permissions: {},
};

const ids: string[] = [];
for (let n = 0; n < 30; n++) {
  const created = await admin.request('POST', '/api/records/contacts', {
    firstName: `Ada${n}`,
    lastName: 'Lovelace',
    assignedTo: admin.userId,
  });
  assert.equal(created.statusCode, 201, created.body);
  ids.push(created.json().id as string);
}

async function countOf(read: () => Promise<unknown>): Promise<number> {
  await read(); // module definitions and prepared statements warm, as in a running server
  statements.length = 0;
  await read();
  return statements.length;
}

test('getRecords answers what getRecord answers for each, in order, in as many statements for 30 as for 3', async () => {
  const asked = [...ids].reverse();
  const many = await getRecords(counted, principal, 'contacts', asked);
  for (const [index, id] of asked.entries())
    assert.deepEqual(many[index], await getRecord(counted, principal, 'contacts', id));
  const three = await countOf(() => getRecords(counted, principal, 'contacts', ids.slice(0, 3)));
  const thirty = await countOf(() => getRecords(counted, principal, 'contacts', ids));
  assert.equal(thirty, three, `30 records: ${thirty} statements, 3 records: ${three}`);
  const one = await countOf(() => getRecord(counted, principal, 'contacts', ids[0] as string));
  assert.ok(thirty <= one, `${thirty} statements for 30 records, ${one} for one`);
});

test('getRecords refuses with a 404 naming the first id it cannot find', async () => {
  const missing = randomUUID();
  await assert.rejects(
    getRecords(counted, principal, 'contacts', [ids[0] as string, missing]),
    (error: unknown) =>
      error instanceof WeftError && error.statusCode === 404 && error.message.includes(missing),
  );
});

test('a transaction with its settings pinned reads their token once', async () => {
  const unpinned = await countOf(() =>
    counted.transaction().execute(async (trx) => {
      await currentSettings(trx);
      await currentSettings(trx);
    }),
  );
  const pinned = await countOf(() =>
    counted.transaction().execute(async (trx) => {
      pinSettings(trx);
      await currentSettings(trx);
      await currentSettings(trx);
    }),
  );
  assert.equal(unpinned - pinned, 1, `unpinned ${unpinned} statements, pinned ${pinned}`);
});
