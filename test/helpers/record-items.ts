/**
 * A table with a column of every field type and five rows that tell NULL, '' and {} apart:
 * the fixture of the record query compiler's tests (test/record-query*.test.ts).
 */
import assert from 'node:assert/strict';
import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { WeftError } from '../../server/platform/errors.ts';
import type { QueryField } from '../../server/records/record-query.ts';
import { createTestDatabase } from './db.ts';

interface ItemsTable {
  id: string;
  n: number;
}
export type ItemsDb = Kysely<{ rq_items: ItemsTable }>;

export const fields: QueryField[] = [
  { name: 'name', column: 'name', type: 'text', searchable: true },
  { name: 'notes', column: 'notes', type: 'longText', searchable: true },
  { name: 'amount', column: 'amount', type: 'number', searchable: false },
  { name: 'price', column: 'price', type: 'currency', searchable: false },
  { name: 'pct', column: 'pct', type: 'percentage', searchable: false },
  { name: 'due', column: 'due', type: 'date', searchable: false },
  { name: 'seenAt', column: 'seen_at', type: 'dateTime', searchable: false },
  { name: 'active', column: 'active', type: 'boolean', searchable: false },
  { name: 'email', column: 'email', type: 'email', searchable: true },
  { name: 'phone', column: 'phone', type: 'phone', searchable: true },
  { name: 'site', column: 'site', type: 'url', searchable: false },
  { name: 'stage', column: 'stage', type: 'dropdown', searchable: false },
  { name: 'colors', column: 'colors', type: 'dropdown', multiple: true, searchable: false },
  { name: 'owner', column: 'owner_id', type: 'link', searchable: false },
  { name: 'assignedTo', column: 'assigned_to', type: 'assignment', searchable: false },
  { name: 'rating', column: 'rating', type: 'rating', searchable: false },
  { name: 'tags', column: 'tags', type: 'tags', searchable: false },
];

export const u1 = '00000000-0000-4000-8000-000000000001';
export const u2 = '00000000-0000-4000-8000-000000000002';
export const u3 = '00000000-0000-4000-8000-000000000003';
export const rowId = (n: number) => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export const rows = [
  [
    1,
    'Alice Smith',
    'VIP customer',
    10,
    99.99,
    5,
    '2024-01-10',
    '2024-01-10T08:00:00Z',
    true,
    'alice@acme.com',
    '555-0101',
    'https://acme.com',
    'Web',
    ['red', 'blue'],
    u1,
    u1,
    5,
    ['vip', 'hot'],
  ],
  [
    2,
    "Bob O'Brien",
    '',
    20,
    10,
    12.5,
    '2024-02-01',
    '2024-02-01T12:30:00.123456Z',
    false,
    'bob@example.org',
    null,
    null,
    'Referral',
    ['blue'],
    u2,
    u2,
    3,
    [],
  ],
  [
    3,
    'carol',
    null,
    null,
    0,
    null,
    null,
    null,
    null,
    null,
    '555-0303',
    '',
    null,
    null,
    null,
    null,
    null,
    null,
  ],
  [
    4,
    'Dave %_\\ Jones',
    'Likes 50% off',
    10,
    1000,
    100,
    '2024-01-10',
    '2024-01-10T08:00:00.000001Z',
    true,
    'DAVE@ACME.COM',
    '',
    'http://dave.io',
    'web',
    [],
    u1,
    u3,
    1,
    ['hot'],
  ],
  [
    5,
    '',
    'x',
    -5.5,
    null,
    0,
    '2023-12-31',
    '2023-12-31T23:59:59Z',
    false,
    '',
    null,
    null,
    '',
    ['green'],
    u3,
    null,
    4,
    ['cold'],
  ],
] as const;

/** A fresh database with rq_items seeded, queried without the camelCase plugin as records are. */
export async function createItems() {
  const { db: pluginDb } = await createTestDatabase();
  const db = pluginDb.withoutPlugins() as unknown as ItemsDb;
  // Columns of every field type (the types fields.ts gives them), with NULLs, '' and {} to tell apart.
  await sql`create table rq_items (
    id uuid primary key, n int not null, name text, notes text, amount numeric, price numeric,
    pct numeric, due date, seen_at timestamptz, active boolean, email text, phone text, site text,
    stage text, colors text[], owner_id uuid, assigned_to uuid, rating smallint, tags text[]
  )`.execute(db);

  for (const [n, ...values] of rows) {
    await sql`insert into rq_items values (${rowId(n)}, ${n}, ${sql.join(values.map((v) => sql.val(v)))})`.execute(
      db,
    );
  }

  async function matching(condition: Expression<SqlBool>): Promise<number[]> {
    const found = await db.selectFrom('rq_items').select('n').where(condition).orderBy('n').execute();
    return found.map((row) => row.n);
  }
  return { db, pluginDb, matching };
}

/** An assert.throws check: a 400 WeftError whose details name `param` with a reason matching `reason`. */
export function refusal(param: string, reason: RegExp, kind = 'VALIDATION') {
  return (error: unknown) => {
    assert.ok(error instanceof WeftError, String(error));
    assert.equal(error.kind, kind);
    assert.equal(error.statusCode, 400);
    const [detail] = error.details as { field: string; reason: string }[];
    assert.equal(detail?.field, param);
    assert.match(detail?.reason ?? '', reason);
    return true;
  };
}
