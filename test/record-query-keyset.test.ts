import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { WeftError } from '../server/platform/errors.ts';
import { applyCursor, pageOf, parseSort, type QueryField } from '../server/records/record-query.ts';
import { createTestDatabase } from './helpers/db.ts';

interface KeysTable {
  id: string;
}
const { db: pluginDb } = await createTestDatabase();
const db = pluginDb.withoutPlugins() as unknown as Kysely<{ rq_keys: KeysTable }>;

const fields: QueryField[] = [
  { name: 'a', column: 'a', type: 'number', searchable: false },
  { name: 'b', column: 'b', type: 'text', searchable: false },
  { name: 'c', column: 'c', type: 'dateTime', searchable: false },
  { name: 'd', column: 'd', type: 'currency', searchable: false },
  { name: 'day', column: 'day', type: 'date', searchable: false },
  { name: 'flag', column: 'flag', type: 'boolean', searchable: false },
  { name: 'createdAt', column: 'created_at', type: 'dateTime', searchable: false, notNull: true },
];

// Duplicates in every column, NULLs in all but created_at, timestamps a microsecond apart
// (a cursor rounded to JavaScript's milliseconds would serve rows twice or skip them).
const total = 60;
await sql`create table rq_keys (
  id uuid primary key, a int, b text, c timestamptz, d numeric, day date, flag boolean,
  created_at timestamptz not null
)`.execute(db);
await sql`insert into rq_keys
  select md5(i::text)::uuid,
    case when i % 5 = 0 then null else i % 4 end,
    case when i % 7 = 0 then null else (array['x', 'y', 'z'])[i % 3 + 1] end,
    case when i % 6 = 0 then null else '2024-01-01T00:00:00Z'::timestamptz + (i % 9) * interval '1 microsecond' end,
    case when i % 11 = 0 then null else (i % 4) * 0.1 end,
    case when i % 8 = 0 then null else date '2024-01-01' + i % 3 end,
    case when i % 10 = 0 then null else i % 2 = 0 end,
    '2024-01-01T00:00:00Z'::timestamptz + (i % 10) * interval '1 second' + (i % 3) * interval '1 microsecond'
  from generate_series(1, ${total}) as i`.execute(db);

/** Each column as a JavaScript value that orders the way PostgreSQL orders the column. */
const comparable = {
  a: sql`a`,
  b: sql`b`,
  c: sql`(extract(epoch from c) * 1000000)::bigint`,
  d: sql`d::float8`,
  day: sql`day::text`,
  flag: sql`flag`,
  createdAt: sql`(extract(epoch from created_at) * 1000000)::bigint`,
};
type Row = { id: string } & { [K in keyof typeof comparable]: unknown };

const all = (await db
  .selectFrom('rq_keys')
  .select('id')
  .select(Object.entries(comparable).map(([name, expression]) => expression.as(name)))
  .execute()) as Row[];

/** The order the sort promises, computed here independently of SQL: NULLs last either way, id last. */
function expectedOrder(sort: string): string[] {
  const keys = parseSort(sort, fields);
  const keyOf = (row: Row, name: string) => (name === 'id' ? row.id : row[name as keyof typeof comparable]);
  return [...all]
    .sort((x, y) => {
      for (const key of keys) {
        const [p, q] = [keyOf(x, key.field.name), keyOf(y, key.field.name)];
        if (p === q) continue;
        if (p === null) return 1;
        if (q === null) return -1;
        const order = (p as number | string) < (q as number | string) ? -1 : 1;
        return key.direction === 'asc' ? order : -order;
      }
      return 0;
    })
    .map((row) => row.id);
}

async function walk(executor: Kysely<{ rq_keys: KeysTable }>, sort: string, limit: number) {
  const sorts = parseSort(sort, fields);
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages <= total; pages++) {
    const qb = executor.selectFrom('rq_keys').select('id');
    const rows = await applyCursor(qb, sorts, cursor)
      .limit(limit + 1)
      .execute();
    const page = pageOf(rows, limit, sorts);
    assert.ok(page.items.length <= limit);
    for (const item of page.items) {
      assert.deepEqual(Object.keys(item), ['id'], 'the hidden cursor column is not served');
      seen.push(item.id);
    }
    if (page.nextCursor === null) return seen;
    cursor = page.nextCursor;
  }
  assert.fail(`sort "${sort}" did not end after ${total} pages`);
}

const sorts = [
  '',
  '-id',
  'a',
  '-a',
  'b,-a',
  'c',
  '-c',
  'c,b',
  '-b,a,-c',
  'd,-day',
  '-flag,-createdAt',
  'createdAt',
  '-createdAt,-c',
  '-day,flag,-d,c',
];

for (const sort of sorts) {
  test(`keyset walk over sort "${sort}" visits every row once, in order`, async () => {
    const expected = expectedOrder(sort);
    assert.equal(new Set(expected).size, total);
    for (const limit of [1, 7, 100]) {
      assert.deepEqual(await walk(db, sort, limit), expected, `limit ${limit}`);
    }
  });
}

test('keyset pages also work through the camelCase plugin', async () => {
  const camel = pluginDb as unknown as Kysely<{ rq_keys: KeysTable }>;
  assert.deepEqual(await walk(camel, '-c,b', 9), expectedOrder('-c,b'));
});

test('a cursor still continues after its own row was deleted', async () => {
  const sorted = parseSort('-c,a', fields);
  const first = pageOf(
    await applyCursor(db.selectFrom('rq_keys').select('id'), sorted, undefined).limit(11).execute(),
    10,
    sorted,
  );
  const last = first.items.at(-1);
  assert.ok(last && first.nextCursor);
  await db.deleteFrom('rq_keys').where('id', '=', last.id).execute();
  const rest = await applyCursor(db.selectFrom('rq_keys').select('id'), sorted, first.nextCursor).execute();
  assert.deepEqual(
    rest.map((row) => row.id),
    expectedOrder('-c,a').slice(10),
  );
});

const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const tampered: [string, string, string, RegExp][] = [
  ['not base64 JSON', 'c', 'garbage!!', /is not one this API issued/],
  ['JSON null', 'c', forged(null), /is not one this API issued/],
  ['a bare key list', 'c', forged(['2024-01-01T00:00:00Z', '3']), /is not one this API issued/],
  ['the wrong number of values', 'c', forged({ s: 'c,id', k: ['2024-01-01T00:00:00Z'] }), /not one this API/],
  ['a number where text is kept', 'c', forged({ s: 'c,id', k: [1, null] }), /is not one this API issued/],
  ['another sort', '-c', forged({ s: 'c,id', k: [null, null] }), /was issued for sort "c,id", not "-c,-id"/],
  [
    'a bad timestamp',
    'c',
    forged({ s: 'c,id', k: ["x'; drop table rq_keys; --", null] }),
    /"c" expects an ISO/,
  ],
  ['a bad id', 'a', forged({ s: 'a,id', k: ['1', 'not-a-uuid'] }), /"id" expects a uuid/],
  ['a bad number', 'd', forged({ s: 'd,id', k: ['1e', null] }), /"d" expects a number/],
  ['a NUL character', 'b', forged({ s: 'b,id', k: ['\u0000', null] }), /"b" expects text without NUL/],
  ['a bad date', 'day', forged({ s: 'day,id', k: ['2024-13-01', null] }), /"day" expects a date/],
];

for (const [what, sort, cursor, reason] of tampered) {
  test(`a cursor with ${what} is a 400 naming cursor`, () => {
    const qb = db.selectFrom('rq_keys').select('id');
    assert.throws(
      () => applyCursor(qb, parseSort(sort, fields), cursor),
      (error: unknown) => {
        assert.ok(error instanceof WeftError);
        assert.equal(error.statusCode, 400);
        const [detail] = error.details as { field: string; reason: string }[];
        assert.equal(detail?.field, 'cursor');
        assert.match(detail?.reason ?? '', reason);
        return true;
      },
    );
  });
}
