import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { csvOf, imported, importTestApp } from './helpers/imports.ts';

// An imported record's changelog row and events are built in SQL from the inserted row
// (import-batch.ts): they must be what createRecord writes for the same record, field for
// field, for every kind of value (numbers, dates, date-times, lists, booleans, nulls).
const { db, admin, created } = await importTestApp();

await created(admin, '/api/modules', {
  name: 'samples',
  label: 'Samples',
  fields: [
    { name: 'amount', label: 'Amount', type: 'currency' },
    { name: 'count', label: 'Count', type: 'number' },
    { name: 'day', label: 'Day', type: 'date' },
    { name: 'moment', label: 'Moment', type: 'dateTime' },
    { name: 'done', label: 'Done', type: 'boolean' },
    { name: 'stars', label: 'Stars', type: 'rating' },
    { name: 'note', label: 'Note', type: 'longText' },
    { name: 'owner', label: 'Owner', type: 'assignment' },
  ],
});

const rows: Record<string, unknown>[] = [
  {
    name: 'full',
    amount: 12.5,
    count: 3,
    day: '2026-03-04',
    moment: '2026-03-04T10:11:12.345Z',
    done: true,
    stars: 4,
    note: 'a "quoted", note',
    tags: ['one', 'two'],
  },
  { name: 'sparse', count: 0, done: false },
  // Values whose JSON text needs escaping or whose number has a fraction: the changes are
  // written as JSON text in SQL (new-records.ts) and must read back as createRecord's.
  {
    name: 'tricky',
    amount: 0.1,
    count: -3.75,
    stars: 0,
    note: 'back\\slash, "quotes", a tab\tand a new\nline, ünïcödé ✓ 😀',
    tags: ['x "y"', 'ü'],
  },
];

async function trailOf(id: string) {
  const strip = (value: unknown) =>
    JSON.parse(
      JSON.stringify(value)
        .replaceAll(id, 'self')
        // Times the database set (createdAt, updatedAt, as values or as a change's before) differ
        // between twins; the moment given in the file stays compared.
        .replace(/"\d{4}-\d\d-\d\dT[^"]*"/g, (time) => (time === `"${rows[0]?.moment}"` ? time : '"t"')),
    );
  const log = await sql<{ action: string; changes: unknown }>`
    select action, changes from changelog where record_id = ${id} order by id`.execute(db);
  const events = await sql<{ type: string; payload: unknown }>`
    select type, payload from events where record_id = ${id} order by id`.execute(db);
  return { log: log.rows.map(strip), events: events.rows.map(strip) };
}

test('an imported record leaves the changelog row and events a created one does', async () => {
  const owner = admin.userId;
  const byApi: string[] = [];
  for (const row of rows) byApi.push((await created(admin, '/api/records/samples', { ...row, owner })).id);
  const header = ['name', 'amount', 'count', 'day', 'moment', 'done', 'stars', 'note', 'tags', 'owner'];
  const file = csvOf([
    header,
    ...rows.map((row) =>
      header.map((name) => {
        const value = name === 'owner' ? owner : row[name];
        if (value === undefined) return '';
        return Array.isArray(value) ? value.join(',') : String(value);
      }),
    ),
  ]);
  // With the module's flows asked for: otherwise each event is marked to start none (below).
  const state = await imported(admin, { module: 'samples', fileName: 'samples.csv', runFlows: true }, file);
  assert.equal(state.created, rows.length, JSON.stringify(state));
  const { rows: importedRows } = await sql<{ id: string; name: string }>`
    select id, name from rec_samples where not (id = any(${byApi}::uuid[])) order by name`.execute(db);
  for (const [i, row] of rows.entries()) {
    const mine = importedRows.find((candidate) => candidate.name === row.name);
    assert.ok(mine);
    const expected = await trailOf(byApi[i] as string);
    assert.ok(expected.events.length >= 1);
    // The import's events carry the importing user as actor, as the API's; its changelog row the same.
    assert.deepEqual(await trailOf(mine.id), expected);
  }

  // Rolled back, each imported record leaves the delete's changelog row and event that
  // deleting its twin through the API leaves (built in SQL as well: import-rollback.ts).
  for (const id of byApi) {
    const response = await admin.request('DELETE', `/api/records/samples/${id}`);
    assert.equal(response.statusCode, 204, response.body);
  }
  const rollback = await admin.request('POST', `/api/imports/${state.id}/rollback`);
  assert.equal(rollback.statusCode, 200, rollback.body);
  assert.equal(rollback.json().deleted, rows.length);
  for (const [i, row] of rows.entries()) {
    const mine = importedRows.find((candidate) => candidate.name === row.name);
    assert.ok(mine);
    assert.deepEqual(await trailOf(mine.id), await trailOf(byApi[i] as string));
  }
});
