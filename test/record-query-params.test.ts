import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { parseColumns, parseSort, type QueryField, searchCondition } from '../server/records/record-query.ts';
import { addFieldColumn, createRecordsTable } from '../server/studio/fields.ts';
import { createItems, fields, refusal } from './helpers/record-items.ts';

const { db, pluginDb, matching } = await createItems();

test('search: every word matches some searchable text field, any case, any part', async () => {
  const cases: [string, number[]][] = [
    ['ali', [1]],
    ['ACME', [1, 4]],
    ['acme dave', [4]],
    ['smith   alice', [1]],
    ['50%', [4]],
    ["o'b", [2]],
    ['555', [1, 3]],
    ['vip', [1]],
    ['zzz', []],
  ];
  for (const [q, expected] of cases) {
    const condition = searchCondition(q, fields);
    assert.ok(condition, q);
    assert.deepEqual(await matching(condition), expected, q);
  }
  for (const q of [undefined, '', '   ']) assert.equal(searchCondition(q, fields), undefined);
});

test('search refuses what it cannot serve, naming q', () => {
  assert.throws(() => searchCondition('a'.repeat(201), fields), refusal('q', /longer than 200/));
  assert.throws(() => searchCondition('a b c d e f g h i', fields), refusal('q', /more than 8 words/));
  assert.throws(() => searchCondition('a\u0000', fields), refusal('q', /NUL/));
  const unsearchable = fields.map((field) => ({ ...field, searchable: false }));
  assert.throws(() => searchCondition('x', unsearchable), refusal('q', /no searchable fields/));
  // A searchable list or number is filtered with `where`; search reads text columns only.
  const tagsOnly = fields.map((field) => ({ ...field, searchable: field.name === 'tags' }));
  assert.throws(() => searchCondition('x', tagsOnly), refusal('q', /no searchable fields/));
});

test('search is served by the index fields.ts gives a searchable text field', async () => {
  await createRecordsTable(pluginDb, 'rqsearch');
  const shape = { required: false, unique: false, defaultValue: null, options: {} };
  await addFieldColumn(pluginDb, 'rqsearch', { ...shape, name: 'fullName', type: 'text', searchable: true });
  const field: QueryField = { name: 'fullName', column: 'full_name', type: 'text', searchable: true };
  const plan = await db.transaction().execute(async (trx) => {
    // An empty table would always be scanned; forbid that to see whether the index can serve the query.
    await sql`set local enable_seqscan = off`.execute(trx);
    const condition = searchCondition('alice smith', [field]);
    assert.ok(condition);
    return (trx as unknown as Kysely<{ rec_rqsearch: { id: string } }>)
      .selectFrom('rec_rqsearch')
      .select('id')
      .where(condition)
      .explain('json');
  });
  assert.match(JSON.stringify(plan), /"Index Name":"rec_rqsearch_full_name_search"/);
});

test('columns: the fields asked for, id first; unknown names are a 400 naming columns', () => {
  assert.deepEqual(
    parseColumns('email, name', fields).map((field) => field.column),
    ['id', 'email', 'name'],
  );
  assert.equal(parseColumns(undefined, fields).length, fields.length + 1);
  assert.deepEqual(
    parseColumns('seenAt,id,seenAt', fields).map((field) => field.column),
    ['id', 'seen_at'],
  );
  assert.throws(() => parseColumns('name,nope', fields), refusal('columns', /unknown field "nope"/));
  assert.throws(() => parseColumns('name,,email', fields), refusal('columns', /empty name/));
  assert.throws(() => parseColumns('__proto__', fields), refusal('columns', /forbidden field name/));
  assert.throws(() => parseColumns('name,(select 1)', fields), refusal('columns', /unknown field/));
});

test('sort: keys in order with id last; bad sorts are a 400 naming sort', () => {
  const keys = (sort: string | undefined) =>
    parseSort(sort, fields).map((key) => `${key.direction === 'desc' ? '-' : ''}${key.column}`);
  assert.deepEqual(keys('-amount, seenAt'), ['-amount', 'seen_at', 'id']);
  assert.deepEqual(keys('seenAt,-amount'), ['seen_at', '-amount', '-id']);
  assert.deepEqual(keys(undefined), ['id']);
  assert.deepEqual(keys(''), ['id']);
  assert.deepEqual(keys('-id'), ['-id']);
  assert.deepEqual(keys('id,name'), ['id', 'name']);
  assert.throws(() => parseSort('nope', fields), refusal('sort', /unknown field "nope"/));
  assert.throws(() => parseSort('-tags', fields), refusal('sort', /cannot sort by the list field "tags"/));
  assert.throws(() => parseSort('name,-name', fields), refusal('sort', /lists "name" twice/));
  assert.throws(() => parseSort('name,,amount', fields), refusal('sort', /empty field name/));
  assert.throws(() => parseSort('-', fields), refusal('sort', /empty field name/));
  assert.throws(() => parseSort('name;drop table rq_items', fields), refusal('sort', /unknown field/));
  assert.throws(() => parseSort('a,b,c,d,e,f,g,h,i', fields), refusal('sort', /more than 8 fields/));
});
