import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../server/db/index.ts';
import { loadPrincipal } from '../server/platform/authz.ts';
import { boundedWalk, listRecords } from '../server/records/record-list.ts';
import { createTestApp, login } from './helpers/app.ts';
import { countedDb } from './helpers/counted-db.ts';
import { listPages } from './helpers/list-pages.ts';
import { signedInUser } from './helpers/people.ts';

// A `contains` on the sort's own field walks at most `boundedWalk.rows` entries of the sort's
// index first (record-list.ts) and falls back to the filter-first plan when they do not hold
// the page. Shrunk here (25 entries, tried at any estimate) so that on 240 contacts some pages
// come from the walk and others from the fallback: every page, for the admin and for a user
// who sees only their own records, must be exactly what the plain query answers.
const { app, db, url } = await createTestApp();
const admin = await login(app);
const scoped = await signedInUser(app, db, admin, 'scoped', {
  contacts: { view: 'own', create: 'own', update: 'own', delete: 'none' },
});
const saved = { ...boundedWalk };
boundedWalk.rows = 25;
boundedWalk.minMatches = 0;
boundedWalk.minShare = 0;
boundedWalk.minRows = 25;
boundedWalk.maxRows = 60;
boundedWalk.minTableRows = 0;
after(() => Object.assign(boundedWalk, saved));

const total = 240;
await sql`
  insert into rec_contacts (first_name, last_name, city, rating, visibility, assigned_to, created_by)
  select 'F' || (n % 13),
    (array['Smith', 'Smithers', 'Jones'])[1 + n % 3] || (n % 17),
    case when n % 4 = 0 then null else (array['Paris', 'Rome'])[1 + n % 2] end,
    case when n % 7 = 0 then null else n % 6 end,
    case when n % 5 = 0 then 'private' else 'public' end,
    case when n % 2 = 0 then ${scoped.userId}::uuid else (select id from users where username = 'admin') end,
    (select id from users where username = 'admin')
  from generate_series(1, ${total}) as n`.execute(db);
await sql`analyze rec_contacts`.execute(db);
// The rating gets its sort index ("Fast sorting"): a descending walk of a nullable column.
const marked = await admin.request('PATCH', '/api/modules/contacts/fields/rating', {
  options: { sortable: true },
});
assert.equal(marked.statusCode, 200, marked.body);

const contains = (text: string) =>
  encodeURIComponent(JSON.stringify({ contains: [{ var: 'lastName' }, text] }));
const expected = async (text: string, orderBy: string, owner?: string) => {
  const { rows } = await sql<{ id: string }>`
    select id from rec_contacts where last_name ilike ${`%${text}%`}
    ${owner ? sql`and assigned_to = ${owner}` : sql``}
    order by ${sql.raw(orderBy)}`.execute(db);
  return rows.map((row) => row.id);
};

test('contains on the sort field: every page as the plain query orders it, walked or not', async () => {
  for (const text of ['smith', 'jones', 'ers', 'mith1', 's1', '1', 'nobody']) {
    for (const [sort, orderBy] of [
      ['lastName', 'last_name asc, id asc'],
      ['-lastName', 'last_name desc nulls last, id desc'],
    ] as const) {
      assert.deepEqual(
        await listPages(admin, 'contacts', `sort=${sort}&where=${contains(text)}`),
        await expected(text, orderBy),
        `${text} ${sort}`,
      );
      assert.deepEqual(
        await listPages(scoped, 'contacts', `sort=${sort}&where=${contains(text)}`),
        await expected(text, orderBy, scoped.userId),
        `${text} ${sort} as the scoped user`,
      );
    }
  }
});

test('other filters and a role scope: every page as the plain query orders it, walked or not', async () => {
  const filters: [string, string][] = [
    [JSON.stringify({ '==': [{ var: 'city' }, 'Paris'] }), "city = 'Paris'"],
    [
      JSON.stringify({ and: [{ '==': [{ var: 'city' }, 'Rome'] }, { '>=': [{ var: 'rating' }, 4] }] }),
      "city = 'Rome' and rating >= 4",
    ],
    [JSON.stringify({ '==': [{ var: 'rating' }, 5] }), 'rating = 5'],
    [JSON.stringify({ '==': [{ var: 'city' }, null] }), 'city is null'],
    [JSON.stringify({ '==': [{ var: 'firstName' }, 'nobody'] }), "first_name = 'nobody'"],
  ];
  for (const [where, condition] of filters) {
    for (const [sort, orderBy] of [
      ['lastName', 'last_name asc, id asc'],
      ['-createdAt', 'created_at desc, id desc'],
      ['city', 'city asc, id asc'],
      ['-rating', 'rating desc nulls last, id desc'],
      ['rating', 'rating asc, id asc'],
    ] as const) {
      for (const [session, owner] of [
        [admin, undefined],
        [scoped, scoped.userId],
      ] as const) {
        const { rows } = await sql<{ id: string }>`
          select id from rec_contacts where ${sql.raw(condition)}
          ${owner ? sql`and assigned_to = ${owner}` : sql``}
          order by ${sql.raw(orderBy)}`.execute(db);
        assert.deepEqual(
          await listPages(session, 'contacts', `sort=${sort}&where=${encodeURIComponent(where)}`),
          rows.map((row) => row.id),
          `${condition} ${sort}${owner ? ' as the scoped user' : ''}`,
        );
      }
    }
  }
  // The role's scope alone is a filter too.
  const { rows } = await sql<{ id: string }>`
    select id from rec_contacts where assigned_to = ${scoped.userId} order by last_name, id`.execute(db);
  assert.deepEqual(
    await listPages(scoped, 'contacts', 'sort=lastName'),
    rows.map((row) => row.id),
  );
});

test('some pages come from the bounded walk, others from the fallback', async () => {
  const { counted, statements } = countedDb(url);
  const principal = await loadPrincipal(db, admin.userId);
  if (!principal) throw new Error('no admin');
  const where = JSON.stringify({ contains: [{ var: 'lastName' }, 'smith'] });
  let cursor: string | undefined;
  const served: string[] = [];
  const plans: ('walk' | 'fallback')[] = [];
  do {
    const before = statements.length;
    const page = await listRecords(counted as unknown as Db, principal, 'contacts', {
      limit: 7,
      sort: 'lastName',
      where,
      cursor,
    });
    served.push(...page.items.map((item) => String(item.id)));
    const sent = statements.slice(before).filter((text) => /from "rec_contacts"/.test(text));
    const walked = sent.some((text) => /\) as "rec_contacts"/.test(text));
    assert.ok(walked, 'the walk is tried on every page');
    plans.push(sent.some((text) => /offset \$/.test(text)) ? 'fallback' : 'walk');
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  assert.deepEqual(served, await expected('smith', 'last_name asc, id asc'));
  // The Jones rows sort first: the first page's walk finds no Smith, later pages' walks do.
  assert.equal(plans[0], 'fallback');
  assert.ok(plans.includes('walk'), plans.join(' '));
});
