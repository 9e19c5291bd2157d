import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { onFormVisitor, processSubmission, processSubmissions } from '../server/forms/form-process.ts';
import { createTestApp, login } from './helpers/app.ts';
import { onTestEnd } from './helpers/cleanup.ts';

/**
 * The form worker's batches (server/forms/form-batch.ts): new web leads are written
 * set-based, and must leave exactly what a lead processed alone (`createRecord`, one by one)
 * leaves: the contact, its changelog row, its events, its feed posts, its routing turn, its
 * auto-response, its visitor link; and the batch's other submissions, failures and
 * concurrent runs behave as one by one.
 */

const { app, db } = await createTestApp();
const admin = await login(app);
const adminId = (
  await db.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow()
).id;

const sellers: string[] = [];
for (const name of ['rr1', 'rr2', 'rr3']) {
  const user = await admin.request('POST', '/api/users', { username: name, password: `${name}-password-1` });
  assert.equal(user.statusCode, 201, user.body);
  sellers.push(user.json().id);
}
const routing = await admin.request('PUT', '/api/routing/contacts', {
  enabled: true,
  mode: 'roundRobin',
  userIds: sellers,
  onlineOnly: false,
});
assert.equal(routing.statusCode, 200, routing.body);

const linked: [string, string, string][] = [];
const unlink = onFormVisitor(async (_trx, visitorId, module, recordId) => {
  linked.push([visitorId, module, recordId]);
});
onTestEnd(async () => {
  unlink();
});

const baseFields = [
  { name: 'firstName', required: true },
  { name: 'lastName', required: true },
  { name: 'email', required: true },
];

async function createForm(name: string, settings: Record<string, unknown>) {
  const response = await admin.request('POST', '/api/forms', {
    name,
    kind: 'lead',
    settings: { fields: baseFields, minFillSeconds: 0, ...settings },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id as string;
}

const leads = await createForm('Batch leads', {
  tags: ['t1', 't2'],
  leadSource: 'Web',
  autoResponse: { subject: 'Thanks {{record.firstName}}', body: 'Hello {{record.firstName}}' },
});

/** Stores submissions as the public endpoint does (without their jobs: the test processes them). */
async function stored(formId: string, values: Record<string, unknown>[], visitors: (string | null)[] = []) {
  const rows = await db
    .insertInto('webFormSubmissions')
    .values(
      values.map((value, i) => ({
        formId,
        submissionKey: randomUUID(),
        values: JSON.stringify(value),
        ip: '10.1.1.1',
        origin: null,
        visitorId: visitors[i] ?? null,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

async function outcomes(ids: string[]) {
  const rows = await db
    .selectFrom('webFormSubmissions')
    .select(['id', 'status', 'outcome', 'error', 'contactId', 'recordId', 'eventId'])
    .where('id', 'in', ids)
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id) as (typeof rows)[number]);
}

/** Feed posts of one transaction share their time, and their ids are uuids: compared by type. */
const byType = (a: { type: string }, b: { type: string }) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);

/** What a new lead's contact left behind, with its own name and email taken out. */
async function traces(contactId: string, name: string, email: string) {
  const plain = (text: string) => text.replaceAll(name, 'NAME').replaceAll(email, 'EMAIL');
  const changelog = await db
    .selectFrom('changelog')
    .select(['action', 'changes', 'actorId', 'actorName'])
    .where('recordId', '=', contactId)
    .orderBy('id')
    .execute();
  const events = await db
    .selectFrom('events')
    .select(['type', 'payload', 'actorId'])
    .where('recordId', '=', contactId)
    .orderBy('id')
    .execute();
  const posts = await db
    .selectFrom('feedPosts')
    .select(['type', 'text', 'authorId', 'visibility'])
    .where('recordId', '=', contactId)
    .orderBy('id')
    .execute();
  const created = events.find((event) => event.type === 'record.created')?.payload as {
    record: Record<string, unknown>;
  };
  const submitted = events.find((event) => event.type === 'webform.submitted')?.payload as {
    record: Record<string, unknown>;
    values: Record<string, unknown>;
  };
  return {
    changelog: changelog.map((row) => ({
      action: row.action,
      fields: Object.keys(row.changes as object).sort(),
      actorId: row.actorId,
      actorName: row.actorName,
    })),
    events: events.map((event) => ({
      type: event.type,
      actorId: event.actorId,
      keys: Object.keys(event.payload as object).sort(),
      ...(event.type.startsWith('tag.') ? { tag: (event.payload as { tag: string }).tag } : {}),
    })),
    recordKeys: Object.keys(created.record).sort(),
    // The record the trigger sees is the record as written, field for field.
    sameRecord: JSON.stringify(submitted.record) === JSON.stringify(created.record),
    types: Object.fromEntries(
      Object.entries(created.record).map(([key, value]) => [
        key,
        value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value,
      ]),
    ),
    posts: posts.map((post) => ({ ...post, text: plain(post.text) })).sort(byType),
    record: {
      tags: created.record.tags,
      leadSource: created.record.leadSource,
      leadtype: created.record.leadtype,
      createdBy: created.record.createdBy,
    },
  };
}

test('a batch of new leads writes what one lead processed alone writes: contact, changelog, events, posts, routing turn, auto-response', async () => {
  const [solo] = await stored(leads, [{ firstName: 'Solo', lastName: 'Alone', email: 'solo@batch.test' }]);
  assert.ok(solo);
  assert.equal(await processSubmission(db, null, app.settings, solo), 'created');
  const people = [
    ['Ann', 'Able', 'ann@batch.test'],
    ['Ben', 'Baker', 'ben@batch.test'],
    ['Cat', 'Cole', 'cat@batch.test'],
  ];
  const ids = await stored(
    leads,
    people.map(([firstName, lastName, email]) => ({ firstName, lastName, email })),
  );
  await processSubmissions(db, null, app.settings, ids);
  const [alone] = await outcomes([solo]);
  const batch = await outcomes(ids);
  assert.deepEqual(
    batch.map((row) => [row.status, row.outcome, row.error]),
    people.map(() => ['processed', 'created', null]),
  );
  assert.ok(alone?.contactId);
  const expected = await traces(alone.contactId, 'Solo Alone', 'solo@batch.test');
  assert.ok(expected.sameRecord);
  assert.deepEqual(expected.record, {
    tags: ['t1', 't2'],
    leadSource: 'Web',
    leadtype: 'Web',
    createdBy: adminId,
  });
  assert.deepEqual(
    expected.events.map((event) => event.type),
    ['record.created', 'tag.added', 'tag.added', 'webform.submitted', 'email.outbound'],
  );
  assert.deepEqual(
    expected.posts.map((post) => post.type),
    ['record-created', 'web-lead'],
  );
  for (const [index, row] of batch.entries()) {
    const [first, last, email] = people[index] as string[];
    assert.ok(row.contactId);
    assert.equal(row.recordId, row.contactId);
    assert.deepEqual(await traces(row.contactId, `${first} ${last}`, email as string), expected);
    // The submission points at its own webform.submitted event.
    const event = await db
      .selectFrom('events')
      .select(['type', 'recordId', 'payload'])
      .where('id', '=', Number(row.eventId))
      .executeTakeFirstOrThrow();
    assert.equal(event.type, 'webform.submitted');
    assert.equal(event.recordId, row.contactId);
    assert.equal((event.payload as { submissionId: string }).submissionId, row.id);
  }
  // Written set-based (not one by one, as after a failed batch statement): the batch's
  // webform.submitted events come from one statement, one after the other.
  assert.deepEqual(
    batch.map((row) => Number(row.eventId) - Number(batch[0]?.eventId)),
    [0, 1, 2],
  );
  // Round robin: each new contact takes the next turn, the batch's as the single one's.
  const assignees = [];
  for (const row of [alone, ...batch]) {
    const contact = await admin.request('GET', `/api/records/contacts/${row?.contactId}`);
    assignees.push(contact.json().assignedTo);
  }
  assert.equal(new Set(assignees.slice(0, 3)).size, 3, `three sellers in turn: ${assignees}`);
  assert.equal(assignees[3], assignees[0]);
  assert.ok(assignees.every((id) => sellers.includes(id)));
  const counter = await db
    .selectFrom('routingCounters')
    .select(['turns', 'lastAssignee'])
    .where('module', '=', 'contacts')
    .executeTakeFirstOrThrow();
  assert.equal(counter.turns, 4);
  assert.equal(counter.lastAssignee, assignees[3]);
  const mail = await db
    .selectFrom('emailOutbox')
    .select(['idempotencyKey', 'to', 'subject', 'recordId'])
    .where(
      'idempotencyKey',
      'in',
      [solo, ...ids].map((id) => `webform:${id}`),
    )
    .orderBy('subject')
    .execute();
  assert.deepEqual(
    mail.map((row) => row.subject),
    ['Thanks Ann', 'Thanks Ben', 'Thanks Cat', 'Thanks Solo'],
  );
});

test('in one batch: an email seen earlier in it updates the contact the first made, a known email updates its contact, visitors are linked', async () => {
  const existing = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Old',
    lastName: 'Timer',
    email: 'Old@Batch.test',
    tags: ['vip'],
  });
  assert.equal(existing.statusCode, 201, existing.body);
  const visitors = [randomUUID(), randomUUID(), randomUUID()];
  const ids = await stored(
    leads,
    [
      { firstName: 'Dee', lastName: 'First', email: 'dee@batch.test' },
      { firstName: 'Dee', lastName: 'Second', email: 'DEE@batch.test' },
      { firstName: 'Old', lastName: 'Newer', email: 'old@batch.test' },
    ],
    visitors,
  );
  await processSubmissions(db, null, app.settings, ids);
  const [first, second, old] = await outcomes(ids);
  assert.deepEqual([first?.outcome, second?.outcome, old?.outcome], ['created', 'updated', 'updated']);
  assert.equal(second?.contactId, first?.contactId, 'the same person twice in a batch is one contact');
  assert.equal(old?.contactId, existing.json().id);
  const dee = (await admin.request('GET', `/api/records/contacts/${first?.contactId}`)).json();
  assert.equal(dee.lastName, 'Second');
  const oldTimer = (await admin.request('GET', `/api/records/contacts/${old?.contactId}`)).json();
  assert.equal(oldTimer.lastName, 'Newer');
  assert.deepEqual([...oldTimer.tags].sort(), ['t1', 't2', 'vip']);
  assert.deepEqual(
    visitors.map((visitor) => linked.find(([id]) => id === visitor)?.slice(1)),
    [
      ['contacts', first?.contactId],
      ['contacts', first?.contactId],
      ['contacts', old?.contactId],
    ],
  );
});

/** What a contact's writes after event `since` left, with names taken out. */
async function tracesSince(contactId: string, since: { event: number; log: number; post: Date }) {
  const plain = (text: string) => text.replace(/Pat \w+/g, 'NAME');
  const changelog = await db
    .selectFrom('changelog')
    .select(['action', 'changes', 'actorName'])
    .where('recordId', '=', contactId)
    .where('id', '>', since.log)
    .orderBy('id')
    .execute();
  const events = await db
    .selectFrom('events')
    .select(['type', 'payload', 'actorId'])
    .where('recordId', '=', contactId)
    .where('id', '>', since.event)
    .orderBy('id')
    .execute();
  const posts = await db
    .selectFrom('feedPosts')
    .select(['type', 'text', 'authorId'])
    .where('recordId', '=', contactId)
    .where('createdAt', '>', since.post)
    .orderBy('id')
    .execute();
  return {
    changelog: changelog.map((row) => ({
      action: row.action,
      fields: Object.keys(row.changes as object).sort(),
      actorName: row.actorName,
    })),
    events: events.map((event) => {
      const payload = event.payload as {
        changed?: string[];
        previous?: object;
        tag?: string;
        outcome?: string;
      };
      return {
        type: event.type,
        actorId: event.actorId,
        keys: Object.keys(payload).sort(),
        changed: payload.changed ? [...payload.changed].sort() : undefined,
        previous: payload.previous ? Object.keys(payload.previous).sort() : undefined,
        tag: payload.tag,
        outcome: payload.outcome,
      };
    }),
    posts: posts.map((post) => ({ ...post, text: plain(post.text) })).sort(byType),
  };
}

async function marks() {
  const top = async (table: 'events' | 'changelog') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.max('id').as('id'))
          .executeTakeFirstOrThrow()
      ).id ?? 0,
    );
  const { rows } = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(db);
  return { event: await top('events'), log: await top('changelog'), post: (rows[0] as { now: Date }).now };
}

test('a batch updating matched contacts writes what one update alone writes; an update that changes nothing writes no change; a form that leaves contacts skips them', async () => {
  const people = [];
  for (const i of [0, 1, 2, 3]) {
    const person = await admin.request('POST', '/api/records/contacts', {
      firstName: 'Pat',
      lastName: `Old${i}`,
      email: `pat${i}@upd.test`,
      tags: ['vip'],
    });
    assert.equal(person.statusCode, 201, person.body);
    people.push(person.json().id as string);
  }
  const start = await marks();
  const [solo] = await stored(leads, [{ firstName: 'Pat', lastName: 'New0', email: 'PAT0@upd.test' }]);
  assert.equal(await processSubmission(db, null, app.settings, solo as string), 'updated');
  const expected = await tracesSince(people[0] as string, start);
  assert.deepEqual(
    expected.events.map((event) => event.type),
    ['record.updated', 'tag.added', 'tag.added', 'webform.submitted', 'email.outbound'],
  );
  // The email as the visitor wrote it (matched case-insensitively) is written too.
  assert.deepEqual(expected.changelog[0]?.fields, ['email', 'lastName', 'leadSource', 'leadtype', 'tags']);
  assert.deepEqual(
    expected.posts.map((post) => post.type),
    ['record-updated', 'web-lead'],
  );

  const leave = await createForm('Leave them', { matching: 'skip', tags: ['never'] });
  const again = await marks();
  const ids = [
    ...(await stored(leads, [
      { firstName: 'Pat', lastName: 'New1', email: 'PAT1@upd.test' },
      { firstName: 'Pat', lastName: 'New2', email: 'PAT2@upd.test' },
      // What the contact has already: no change to write.
      { firstName: 'Pat', lastName: 'New0', email: 'PAT0@upd.test' },
    ])),
    ...(await stored(leave, [{ firstName: 'Pat', lastName: 'Other', email: 'pat3@upd.test' }])),
  ];
  await processSubmissions(db, null, app.settings, ids);
  const rows = await outcomes(ids);
  assert.deepEqual(
    rows.map((row) => [row.outcome, row.contactId]),
    [
      ['updated', people[1]],
      ['updated', people[2]],
      ['updated', people[0]],
      ['skipped', people[3]],
    ],
  );
  for (const id of [people[1], people[2]] as string[])
    assert.deepEqual(await tracesSince(id, again), expected);
  const unchanged = await tracesSince(people[0] as string, again);
  assert.deepEqual(unchanged.changelog, []);
  assert.deepEqual(
    unchanged.events.map((event) => event.type),
    ['webform.submitted', 'email.outbound'],
  );
  assert.deepEqual(
    unchanged.posts.map((post) => post.type),
    ['web-lead'],
  );
  const skipped = await tracesSince(people[3] as string, again);
  assert.deepEqual(
    skipped.events.map((event) => [event.type, event.outcome]),
    [['webform.submitted', 'skipped']],
  );
  assert.deepEqual([skipped.changelog, skipped.posts], [[], []]);
  const left = (await admin.request('GET', `/api/records/contacts/${people[3]}`)).json();
  assert.deepEqual([left.lastName, left.tags], ['Old3', ['vip']]);
  const updated = (await admin.request('GET', `/api/records/contacts/${people[1]}`)).json();
  assert.deepEqual([updated.lastName, updated.tags], ['New1', ['vip', 't1', 't2']]);
});

test('a form that makes duplicates creates a second contact; "do not email" on the new contact stops its auto-response', async () => {
  const duplicates = await createForm('Duplicates', {
    matching: 'duplicate',
    fields: [...baseFields, { name: 'doNotEmail' }],
    autoResponse: { subject: 'Hi {{record.firstName}}', body: 'Hello' },
  });
  const existing = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Eve',
    lastName: 'Early',
    email: 'eve@batch.test',
  });
  assert.equal(existing.statusCode, 201, existing.body);
  const ids = await stored(duplicates, [
    { firstName: 'Eve', lastName: 'Again', email: 'eve@batch.test', doNotEmail: true },
    { firstName: 'Fay', lastName: 'Fresh', email: 'fay@batch.test', doNotEmail: true },
  ]);
  await processSubmissions(db, null, app.settings, ids);
  const [eve, fay] = await outcomes(ids);
  assert.deepEqual([eve?.outcome, fay?.outcome], ['duplicate', 'created']);
  assert.notEqual(eve?.contactId, existing.json().id);
  const mail = await db
    .selectFrom('emailOutbox')
    .select('id')
    .where(
      'idempotencyKey',
      'in',
      ids.map((id) => `webform:${id}`),
    )
    .execute();
  assert.equal(mail.length, 0, 'do not email is honoured');
});

test('two workers given the same batch process each submission once', async () => {
  const people = Array.from({ length: 8 }, (_, i) => ({
    firstName: 'Twice',
    lastName: `Run ${i}`,
    email: `twice${i}@batch.test`,
  }));
  const ids = await stored(leads, people);
  const turnsBefore = (
    await db
      .selectFrom('routingCounters')
      .select('turns')
      .where('module', '=', 'contacts')
      .executeTakeFirstOrThrow()
  ).turns;
  await Promise.all([
    processSubmissions(db, null, app.settings, ids),
    processSubmissions(db, null, app.settings, [...ids].reverse()),
  ]);
  const rows = await outcomes(ids);
  assert.ok(rows.every((row) => row.status === 'processed' && row.outcome === 'created'));
  const contacts = await db
    .selectFrom('rec_contacts' as never)
    .select('id' as never)
    .where('email' as never, 'like' as never, 'twice%@batch.test' as never)
    .execute();
  assert.equal(contacts.length, people.length, 'one contact per submission');
  const submitted = await db
    .selectFrom('events')
    .select('id')
    .where('type', '=', 'webform.submitted')
    .where(
      'recordId',
      'in',
      rows.map((row) => row.contactId as string),
    )
    .execute();
  assert.equal(submitted.length, people.length, 'one webform.submitted event per submission');
  const turnsAfter = (
    await db
      .selectFrom('routingCounters')
      .select('turns')
      .where('module', '=', 'contacts')
      .executeTakeFirstOrThrow()
  ).turns;
  assert.equal(turnsAfter - turnsBefore, people.length, 'one routing turn per contact');
  // A job delivered again later finds nothing to do.
  await processSubmissions(db, null, app.settings, ids);
  assert.equal((await outcomes(ids)).filter((row) => row.status !== 'processed').length, 0);
});

test('a unique value already taken fails its submission alone: the rest of the batch is written', async () => {
  const field = await admin.request('POST', '/api/modules/contacts/fields', {
    name: 'memberNo',
    label: 'Member number',
    type: 'text',
    unique: true,
  });
  assert.equal(field.statusCode, 201, field.body);
  const members = await createForm('Members', { fields: [...baseFields, { name: 'memberNo' }] });
  const taken = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Gus',
    lastName: 'Member',
    memberNo: 'M-1',
  });
  assert.equal(taken.statusCode, 201, taken.body);
  const ids = await stored(members, [
    { firstName: 'Hal', lastName: 'One', email: 'hal@batch.test', memberNo: 'M-2' },
    { firstName: 'Ida', lastName: 'Two', email: 'ida@batch.test', memberNo: 'M-1' },
    { firstName: 'Jo', lastName: 'Three', email: 'jo@batch.test', memberNo: 'M-3' },
  ]);
  await processSubmissions(db, null, app.settings, ids);
  const [hal, ida, jo] = await outcomes(ids);
  assert.deepEqual([hal?.status, ida?.status, jo?.status], ['processed', 'failed', 'processed']);
  assert.match(ida?.error ?? '', /memberNo.*already used/);
  const written = await db
    .selectFrom('changelog')
    .select('recordId')
    .where('recordId', 'in', [hal?.contactId as string, jo?.contactId as string])
    .where('action', '=', 'create')
    .execute();
  assert.equal(written.length, 2, 'each written once, after the batch statement was rolled back');
});

test('contacts are matched by lower(email) through an index (migration 0035), not a scan of the table', async () => {
  const { rows } = await sql<{ indexdef: string }>`
    select indexdef from pg_indexes where tablename = 'rec_contacts' and indexname = 'rec_contacts_email_lower'`.execute(
    db,
  );
  assert.match(rows[0]?.indexdef ?? '', /\(lower\(email\)\)/);
  // With scans off, the planner takes the index if it serves the look-up at all.
  const plan = await db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    const { rows: lines } = await sql<{ 'QUERY PLAN': string }>`
      explain select distinct on (lower(email)) id from rec_contacts
      where lower(email) = any(${['a@example.com', 'b@example.com']}::text[]) order by lower(email), created_at, id`.execute(
      trx,
    );
    return lines.map((line) => line['QUERY PLAN']).join('\n');
  });
  assert.match(plan, /rec_contacts_email_lower/);
});
