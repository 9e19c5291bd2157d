import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEmailWorker } from '../server/email/email.ts';
import { processSubmission, processSubmissions, startFormWorker } from '../server/forms/form-process.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';
import { startSmtpServer } from './helpers/smtp.ts';

const { app, db, admin, publish, finished } = await engineTestApp();
const boss = app.boss as NonNullable<typeof app.boss>;
await startFormWorker(boss, db, app.settings);
onTestEnd(() => boss.offWork('weft.forms.process'));
await startEmailWorker(boss, db, app.settings, { retryDelaySeconds: 1 });
onTestEnd(() => boss.offWork('weft.email.deliver'));
const smtp = await startSmtpServer();
const settingsSaved = await admin.request('PATCH', '/api/settings', {
  smtpHost: '127.0.0.1',
  smtpPort: smtp.port,
  smtpSecurity: 'none',
  emailFromAddress: 'crm@example.com',
});
assert.equal(settingsSaved.statusCode, 200, settingsSaved.body);

const salesUser = await admin.request('POST', '/api/users', {
  username: 'sales1',
  password: 'sales-password-1',
  firstName: 'Sam',
});
assert.equal(salesUser.statusCode, 201, salesUser.body);
const salesId = salesUser.json().id as string;
const routed = await admin.request('PUT', '/api/routing/contacts', {
  enabled: true,
  mode: 'singleUser',
  singleUserId: salesId,
  onlineOnly: false,
});
assert.equal(routed.statusCode, 200, routed.body);

const leadSettings = {
  fields: [
    { name: 'firstName', label: 'First name', required: true },
    { name: 'lastName', label: 'Last name', required: true },
    { name: 'email', label: 'Email', required: true },
    { name: 'phone', label: 'Phone' },
    { name: 'backgroundInfo', label: 'Message' },
    { name: 'leadStatus', hidden: true, value: 'Unassigned' },
  ],
  tags: ['web-lead'],
  leadSource: 'Web',
  thankYou: 'Thanks, we will call you.',
  autoResponse: {
    subject: 'Thanks {{record.firstName}}',
    body: 'Hello {{record.firstName}}, we got your message.',
  },
  minFillSeconds: 0,
};

async function createForm(body: Record<string, unknown>) {
  const response = await admin.request('POST', '/api/forms', body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { id: string; embed: { html: string; script: string; hostedUrl: string } };
}

const lead = await createForm({ name: 'Contact us', kind: 'lead', settings: leadSettings });
const flowId = await publish(
  straightFlow('Welcome web leads', { type: 'trigger.webformSubmitted', params: { formId: lead.id } }, [
    ['post', 'feed.post', { text: 'Web lead {{trigger.values.email}} ({{trigger.outcome}})' }],
  ]),
);

let ip = 0;
/** Each call from its own address unless told, so the per-IP limit is not what a test meets. */
function submit(
  formId: string,
  payload: string | Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  ip++;
  return app.inject({
    method: 'POST',
    url: `/api/public/forms/${formId}/submit`,
    payload,
    remoteAddress: headers['x-test-ip'] ?? `10.0.${Math.floor(ip / 250)}.${ip % 250}`,
    headers:
      typeof payload === 'string'
        ? { 'content-type': 'application/x-www-form-urlencoded', ...headers }
        : { 'content-type': 'application/json', ...headers },
  });
}

const submission = (id: string) =>
  eventually(async () => {
    const row = await db.selectFrom('webFormSubmissions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && row.status !== 'received' ? row : undefined;
  }, `submission ${id} to be processed`);

test('the admin API refuses a form that cannot create its records, naming the field', async () => {
  const response = await admin.request('POST', '/api/forms', {
    name: 'Broken',
    kind: 'lead',
    settings: { fields: [{ name: 'email', required: true }, { name: 'nosuch' }] },
  });
  assert.equal(response.statusCode, 400);
  const reasons = response
    .json()
    .error.details.map((d: { reason: string }) => d.reason)
    .join(' | ');
  assert.match(reasons, /is not a field of Contacts/);
  assert.match(reasons, /firstName \(First Name\) is required by Contacts/);
});

test('the web-form trigger names its form: publishing with a form that does not exist is refused, in plain words', async () => {
  const definition = straightFlow(
    'Leads from a deleted form',
    { type: 'trigger.webformSubmitted', params: { formId: '00000000-0000-4000-8000-000000000000' } },
    [['post', 'feed.post', { text: 'New lead' }]],
  );
  const created = await admin.request('POST', '/api/flows', { name: definition.name, definition });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  const refused = await admin.request('POST', `/api/flows/${id}/publish`);
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(refused.body, /web form chosen for \\"Form\\" no longer exists/);
  const form = await createForm({ name: 'Exists', kind: 'lead', settings: leadSettings });
  const fixed = await admin.request('PUT', `/api/flows/${id}/draft`, {
    ...definition,
    trigger: { ...definition.trigger, params: { formId: form.id } },
  });
  assert.equal(fixed.statusCode, 200, fixed.body);
  const published = await admin.request('POST', `/api/flows/${id}/publish`);
  assert.equal(published.statusCode, 200, published.body);
});

test('a plain HTML post (no JavaScript): 303 to the thank-you page; the contact is created, routed, tagged, the flow ran, the auto-response was sent', async () => {
  const body = new URLSearchParams({
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    backgroundInfo: 'Call me',
    leadStatus: 'Dead', // hidden fields keep their fixed value
    _weft_hp: '',
  }).toString();
  const response = await submit(lead.id, body, { origin: 'https://shop.example.com' });
  assert.equal(response.statusCode, 303, response.body);
  assert.equal(response.headers.location, `http://localhost:80/api/public/forms/${lead.id}/thanks`);
  const [stored] = await db
    .selectFrom('webFormSubmissions')
    .select('id')
    .where('formId', '=', lead.id)
    .execute();
  assert.ok(stored, 'stored before the answer');
  const done = await submission(stored.id);
  assert.equal(done.status, 'processed', done.error ?? '');
  assert.equal(done.outcome, 'created');
  const contact = (await admin.request('GET', `/api/records/contacts/${done.recordId}`)).json();
  assert.equal(contact.email, 'ada@example.com');
  assert.equal(contact.assignedTo, salesId, 'routed');
  assert.deepEqual(contact.tags, ['web-lead']);
  assert.equal(contact.leadSource, 'Web');
  assert.equal(contact.leadStatus, 'Unassigned');
  const run = await eventually(
    () =>
      db.selectFrom('flowRuns').select(['id', 'recordId']).where('flowId', '=', flowId).executeTakeFirst(),
    'the web-form flow to start',
  );
  assert.equal(run.recordId, done.recordId);
  assert.equal((await finished(run.id)).status, 'succeeded');
  const mail = await eventually(
    async () => smtp.received.find((m) => m.to.includes('ada@example.com')),
    'the auto-response',
  );
  assert.match(mail.raw, /Subject: Thanks Ada/);
  const thanks = await app.inject({ method: 'GET', url: `/api/public/forms/${lead.id}/thanks` });
  assert.match(thanks.body, /Thanks, we will call you\./);
});

test('a matching email updates the contact (no duplicate, tags merged); do-not-email suppresses the auto-response', async () => {
  const existing = await admin.request('POST', '/api/records/contacts', {
    firstName: 'Bob',
    lastName: 'Old',
    email: 'Bob@Example.com',
    doNotEmail: true,
    tags: ['vip'],
  });
  assert.equal(existing.statusCode, 201, existing.body);
  const response = await submit(lead.id, { firstName: 'Bob', lastName: 'New', email: 'bob@example.com' });
  assert.equal(response.statusCode, 201, response.body);
  assert.equal(response.json().message, 'Thanks, we will call you.');
  const done = await submission(response.json().submissionId);
  assert.equal(done.outcome, 'updated');
  assert.equal(done.recordId, existing.json().id);
  const contact = (await admin.request('GET', `/api/records/contacts/${done.recordId}`)).json();
  assert.equal(contact.lastName, 'New');
  assert.deepEqual([...contact.tags].sort(), ['vip', 'web-lead']);
  const outbox = await db.selectFrom('emailOutbox').select('to').execute();
  assert.ok(
    !outbox.some((row) => JSON.stringify(row.to).includes('bob@example.com')),
    'do not email is honoured',
  );
  const list = await admin.request('GET', `/api/forms/${lead.id}/submissions?contactId=${done.recordId}`);
  assert.equal(list.json().items.length, 1, 'the submission is recorded on the contact');
});

test('field-level errors: JSON answers 400 with each field; the plain form is drawn again with the errors and values', async () => {
  const json = await submit(lead.id, { firstName: '', lastName: 'X', email: 'not-an-email' });
  assert.equal(json.statusCode, 400);
  const fields = json
    .json()
    .error.details.map((d: { field: string }) => d.field)
    .sort();
  assert.deepEqual(fields, ['email', 'firstName']);
  const plain = await submit(lead.id, 'firstName=&lastName=Ng&email=nope');
  assert.equal(plain.statusCode, 400);
  assert.match(plain.headers['content-type'] as string, /text\/html/);
  assert.match(plain.body, /is required/);
  assert.match(plain.body, /value="Ng"/, 'the visitor’s values are kept');
  assert.match(plain.body, /aria-invalid="true"/);
});

test('bots and abuse: honeypot, a stamp too fresh or forged, wrong content type, oversized body, disallowed origin, rate limits', async () => {
  const good = { firstName: 'Eve', lastName: 'Bot', email: 'eve@example.com' };
  const honeypot = await submit(lead.id, { ...good, _weft_hp: 'http://spam' });
  assert.equal(honeypot.statusCode, 422);
  assert.equal(honeypot.json().error.details[0].field, '_weft_hp');

  const strict = await createForm({
    name: 'Slow',
    kind: 'lead',
    settings: { ...leadSettings, minFillSeconds: 5 },
  });
  const definition = await app.inject({ method: 'GET', url: `/api/public/forms/${strict.id}/definition` });
  const stamp = definition.json().stamp as string;
  const fast = await submit(strict.id, { ...good, _weft_t: stamp });
  assert.equal(fast.statusCode, 422);
  assert.match(fast.json().error.details[0].reason, /too quickly/);
  const [ms, mac] = stamp.split('.');
  const backdated = await submit(strict.id, { ...good, _weft_t: `${Number(ms) - 60_000}.${mac}` });
  assert.equal(backdated.statusCode, 422);
  assert.match(backdated.json().error.details[0].reason, /not a stamp this form issued/);

  const xml = await submit(lead.id, '<lead/>', { 'content-type': 'application/xml' });
  assert.equal(xml.statusCode, 415);
  const huge = await submit(lead.id, { ...good, backgroundInfo: 'x'.repeat(70_000) });
  assert.equal(huge.statusCode, 413);

  const closed = await createForm({
    name: 'Shop only',
    kind: 'lead',
    settings: { ...leadSettings, allowedOrigins: ['https://shop.example.com'] },
  });
  const elsewhere = await submit(closed.id, good, { origin: 'https://evil.example.net' });
  assert.equal(elsewhere.statusCode, 403);
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: `/api/public/forms/${closed.id}/submit`,
    headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' },
  });
  assert.equal(preflight.statusCode, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], 'https://shop.example.com');

  const limited = await createForm({
    name: 'Limited',
    kind: 'lead',
    settings: { ...leadSettings, perIpPerMinute: 2 },
  });
  const same = { 'x-test-ip': '192.0.2.7' };
  const answers = [];
  for (let i = 0; i < 3; i++)
    answers.push((await submit(limited.id, { ...good, email: `r${i}@example.com` }, same)).statusCode);
  assert.deepEqual(answers, [201, 201, 429]);
  const stored = await db
    .selectFrom('rateLimits')
    .select('hits')
    .where('key', 'like', `form-ip:${limited.id}:%`)
    .execute();
  assert.equal(stored[0]?.hits, 3, 'the count lives in PostgreSQL, shared by every process');
  assert.equal(
    (await db.selectFrom('webFormSubmissions').select('id').where('formId', '=', strict.id).execute()).length,
    0,
    'nothing refused was stored',
  );
});

test('a duplicate post (the same rendered form twice) is recognised and processed once', async () => {
  const key = 'k'.repeat(24);
  const body = { firstName: 'Dup', lastName: 'Licate', email: 'dup@example.com', _weft_key: key };
  const [a, b] = await Promise.all([submit(lead.id, body), submit(lead.id, body)]);
  assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 201]);
  assert.equal(a.json().submissionId, b.json().submissionId);
  await submission(a.json().submissionId);
  const contacts = await admin.request('GET', '/api/records/contacts?q=dup@example.com');
  assert.equal(contacts.json().items.length, 1);
  // The job may be delivered again (a crash before its completion): nothing happens twice.
  assert.equal(await processSubmission(db, boss, app.settings, a.json().submissionId), null);
});

test('a service case: linked to the contact with that email (created when none), with a case number in the auto-response', async () => {
  const form = await createForm({
    name: 'Support',
    kind: 'case',
    settings: {
      fields: [
        { name: 'contact.firstName', required: true },
        { name: 'contact.lastName', required: true },
        { name: 'contact.email', required: true },
        { name: 'description', label: 'What happened?', required: true },
        { name: 'mainIssue' },
      ],
      minFillSeconds: 0,
      autoResponse: {
        subject: 'Case {{record.caseNumber}} opened',
        body: 'We are on it: {{record.description}}',
      },
    },
  });
  const response = await submit(form.id, {
    'contact.firstName': 'Cy',
    'contact.lastName': 'Case',
    'contact.email': 'cy@example.com',
    description: 'The printer is on fire',
    mainIssue: 'Technical',
  });
  assert.equal(response.statusCode, 201, response.body);
  const done = await submission(response.json().submissionId);
  assert.equal(done.status, 'processed', done.error ?? '');
  assert.equal(done.module, 'cases');
  const kase = (await admin.request('GET', `/api/records/cases/${done.recordId}`)).json();
  assert.equal(kase.contactId, done.contactId);
  assert.equal(kase.origin, 'Web');
  assert.match(kase.name, /^Case \d+$/);
  const mail = await eventually(
    async () => smtp.received.find((m) => m.to.includes('cy@example.com')),
    'the case auto-response',
  );
  assert.match(mail.raw, new RegExp(`Subject: ${kase.name} opened`));
  const second = await submit(form.id, {
    'contact.firstName': 'Cy',
    'contact.lastName': 'Case',
    'contact.email': 'CY@example.com',
    description: 'Still on fire',
  });
  const again = await submission(second.json().submissionId);
  assert.equal(again.contactId, done.contactId, 'the existing contact is linked, not duplicated');
});

test('the hosted page works without JavaScript: plain HTML with a signed stamp, a honeypot, and its own CSP', async () => {
  const page = await app.inject({ method: 'GET', url: `/api/public/forms/${lead.id}` });
  assert.equal(page.statusCode, 200);
  assert.match(
    page.body,
    /<form method="post" action="http:\/\/localhost:80\/api\/public\/forms\/[^"]+\/submit"/,
  );
  assert.match(page.body, /name="_weft_t" value="\d+\.[\w-]+"/);
  assert.match(page.body, /name="_weft_hp"/);
  assert.doesNotMatch(page.body, /<script/);
  assert.doesNotMatch(page.body, /leadStatus/, 'hidden fields stay on the server');
  assert.match(page.headers['content-security-policy'] as string, /form-action 'self'/);
  const script = await app.inject({ method: 'GET', url: `/api/public/forms/${lead.id}/embed.js` });
  assert.equal(script.headers['cross-origin-resource-policy'], 'cross-origin');
  assert.match(lead.embed.script, /embed\.js/);
  assert.match(lead.embed.html, /<form method="post"/);
  const unknown = await app.inject({
    method: 'GET',
    url: '/api/public/forms/00000000-0000-4000-8000-000000000000',
  });
  assert.equal(unknown.statusCode, 404);
});

test('the static snippet fetches its fill-time stamp; a stampless post (JavaScript off) is taken at once, a stamped one is checked', async () => {
  const timed = await createForm({
    name: 'Timed',
    kind: 'lead',
    settings: { ...leadSettings, minFillSeconds: 1 },
  });
  // The snippet: empty stamp and key slots, and the script that fills them from …/stamp.
  assert.match(timed.embed.html, /name="_weft_t" value=""/);
  assert.match(timed.embed.html, /name="_weft_key" value=""/);
  assert.match(
    timed.embed.html,
    new RegExp(`fetch\\("http://localhost:80/api/public/forms/${timed.id}/stamp"\\)`),
  );
  const count = async () =>
    (await db.selectFrom('webFormSubmissions').select('id').where('formId', '=', timed.id).execute()).length;

  // JavaScript off: no stamp. The first complete post is stored and answered with the 303.
  const stampless = await submit(timed.id, 'firstName=Ola&lastName=Lund&email=ola%40example.com');
  assert.equal(stampless.statusCode, 303);
  assert.equal(await count(), 1);
  // A stamp that is sent is checked: one drawn just now is too quick, and the form comes back
  // stamped from now (the refusal earns no head start).
  const drawn = await app.inject({ method: 'GET', url: `/api/public/forms/${timed.id}/stamp` });
  const now = encodeURIComponent((drawn.json() as { stamp: string }).stamp);
  const hurried = await submit(
    timed.id,
    `firstName=Ada&lastName=Lund&email=ada%40example.com&_weft_t=${now}`,
  );
  assert.equal(hurried.statusCode, 422);
  assert.match(hurried.body, /sent too quickly/);
  const redrawn = /name="_weft_t" value="([^"]+)"/.exec(hurried.body)?.[1];
  assert.ok(redrawn, 'the form comes back stamped');
  const again = await submit(
    timed.id,
    `firstName=Ada&lastName=Lund&email=ada%40example.com&_weft_t=${encodeURIComponent(redrawn)}`,
  );
  assert.equal(again.statusCode, 422, 'sent back at once, it is still too quick');
  assert.equal(await count(), 1);

  // JavaScript on: the snippet's script fetches a stamp (CORS for the customer's site) …
  const fetched = await app.inject({
    method: 'GET',
    url: `/api/public/forms/${timed.id}/stamp`,
    headers: { origin: 'https://customer.example.com' },
  });
  assert.equal(fetched.statusCode, 200);
  assert.equal(fetched.headers['access-control-allow-origin'], '*');
  assert.equal(fetched.headers['cache-control'], 'no-store');
  const { stamp, key } = fetched.json() as { stamp: string; key: string };
  // … and a person takes more than the minimum fill time.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const sent = await submit(
    timed.id,
    `firstName=Ola&lastName=Lund&email=ola%40example.com&_weft_t=${encodeURIComponent(stamp)}&_weft_key=${key}`,
  );
  assert.equal(sent.statusCode, 303, sent.body);
  assert.equal(await count(), 2);
});

test('posts arriving together are stored together: each counted against the limits in its turn, a repeat within the batch is the duplicate', async () => {
  const busy = await createForm({
    name: 'Busy',
    kind: 'lead',
    settings: { ...leadSettings, perIpPerMinute: 6 },
  });
  const post = (i: number, key?: string) =>
    submit(
      busy.id,
      {
        firstName: 'Bo',
        lastName: `Batch${i}`,
        email: `bo${i}@example.com`,
        ...(key ? { _weft_key: key } : {}),
      },
      { 'x-test-ip': '10.9.9.9' },
    );
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => post(i)));
  assert.deepEqual(answers.map((a) => a.statusCode).sort(), [201, 201, 201, 201, 201, 201, 429, 429]);
  const stored = await db
    .selectFrom('webFormSubmissions')
    .select('id')
    .where('formId', '=', busy.id)
    .execute();
  assert.equal(stored.length, 6);
  const ids = new Set(answers.filter((a) => a.statusCode === 201).map((a) => a.json().submissionId));
  assert.deepEqual(new Set(stored.map((row) => row.id)), ids, 'each answer names its own stored submission');
  for (const id of ids) await submission(id);

  const twice = await createForm({ name: 'Twice', kind: 'lead', settings: leadSettings });
  const key = 'same-rendering-key-0123456789';
  const repeats = await Promise.all(
    Array.from({ length: 5 }, () =>
      submit(twice.id, { firstName: 'Di', lastName: 'Dup', email: 'di@example.com', _weft_key: key }),
    ),
  );
  const bodies = repeats.map((r) => r.json() as { submissionId: string; duplicate: boolean });
  assert.deepEqual(bodies.map((b) => b.duplicate).sort(), [false, true, true, true, true]);
  assert.equal(new Set(bodies.map((b) => b.submissionId)).size, 1, 'all name the one stored');
  const rows = await db
    .selectFrom('webFormSubmissions')
    .select('id')
    .where('formId', '=', twice.id)
    .execute();
  assert.equal(rows.length, 1);
});

test('the worker processes a batch in one transaction: a submission the module refuses is failed with its reason, the others are written', async () => {
  const rows = await db
    .insertInto('webFormSubmissions')
    .values(
      [
        { firstName: 'Bat', lastName: 'One', email: 'bat1@example.com' },
        { firstName: 'Bat', lastName: 'Two', email: 'not an address' },
        { firstName: 'Bat', lastName: 'Three', email: 'bat3@example.com' },
      ].map((values, i) => ({
        formId: lead.id,
        submissionKey: `batch-test-${i}`,
        values: JSON.stringify(values),
        ip: '10.1.1.1',
        origin: null,
      })),
    )
    .returning('id')
    .execute();
  await processSubmissions(
    db,
    boss,
    app.settings,
    rows.map((row) => row.id),
  );
  const after = await db
    .selectFrom('webFormSubmissions')
    .select(['id', 'status', 'error', 'recordId'])
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    )
    .execute();
  const byId = new Map(after.map((row) => [row.id, row]));
  const [one, two, three] = rows.map((row) => byId.get(row.id));
  assert.equal(one?.status, 'processed');
  assert.equal(three?.status, 'processed');
  assert.equal(two?.status, 'failed');
  assert.match(two?.error ?? '', /email/);
  assert.ok(one?.recordId && three?.recordId);
});
