/**
 * Marketing services through the API: templates (checked against the module, previewed,
 * sent as a test), sending accounts (passwords encrypted), newsletters and their web
 * form, the tracking endpoints' security, bounces from real-format DSN messages, SMS
 * through a local stand-in for Twilio (the real provider cannot run here), web activity
 * and targeted content.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { startEmailWorker } from '../server/email/email.ts';
import { captureInboundMessage, onInboundMessage } from '../server/inbound-mail/capture.ts';
import { senderFor } from '../server/marketing/accounts.ts';
import { bounceHandler, handleBounceMail, parseBounce } from '../server/marketing/bounces.ts';
import { signingKey, signToken } from '../server/marketing/keys.ts';
import { recordClick, recordOpen } from '../server/marketing/tracking.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';
import { signedInUser } from './helpers/people.ts';
import { startSmtpServer } from './helpers/smtp.ts';

const { app, db, admin, publish, create, runOn } = await engineTestApp();
await startEmailWorker(app.boss as NonNullable<typeof app.boss>, db, app.settings);
onTestEnd(async () => {
  await app.boss?.offWork('weft.email.deliver');
});
const smtp = await startSmtpServer();
const base = 'https://crm.example.com';
const patched = await admin.request('PATCH', '/api/settings', {
  smtpHost: '127.0.0.1',
  smtpPort: smtp.port,
  smtpSecurity: 'none',
  emailFromAddress: 'news@weft.test',
  trackingBaseUrl: base,
  webTrackingHosts: ['www.example.com'],
  targetedContentTimeoutMs: 3000,
});
assert.equal(patched.statusCode, 200, patched.body);

const contact = await create('contacts', {
  firstName: 'Ada <b>',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  phone: '+44 20 7946 0000',
});
const other = await create('contacts', { firstName: 'Bob', lastName: 'Other', email: 'bob@example.com' });
const key = await signingKey(db);

/** A mail as a campaign would have sent it, with the links it carried. */
async function sentMessage(
  address: string,
  recordId: string,
  links: string[],
  extra: Record<string, unknown> = {},
) {
  return db
    .insertInto('marketingMessages')
    .values({
      module: 'contacts',
      recordId,
      address,
      state: 'sent',
      links: JSON.stringify(links),
      sentAt: new Date(),
      messageId: `<${crypto.randomUUID()}@weft.test>`,
      ...extra,
    })
    .returning(['id', 'messageId'])
    .executeTakeFirstOrThrow();
}

test('a template is checked against the module: unknown fields and flow-only variables are refused by field', async () => {
  const bad = await admin.request('POST', '/api/marketing/templates', {
    name: 'Broken',
    subject: 'Hi {{record.nickname}}',
    html: '<p>{{steps.n1.output.id}}</p>',
    // A part that does not parse is named for that; its variables are checked once it does.
    text: '{{record.firstName | shout}}',
  });
  assert.equal(bad.statusCode, 400, bad.body);
  const reasons = bad
    .json()
    .error.details.map((d: { field: string; reason: string }) => `${d.field}: ${d.reason}`);
  assert.ok(
    reasons.some((r: string) => /^subject: .*contacts has no field "nickname"/.test(r)),
    reasons.join('\n'),
  );
  assert.ok(
    reasons.some((r: string) => /^html: .*record, user and now/.test(r)),
    reasons.join('\n'),
  );
  assert.ok(
    reasons.some((r: string) => /^text: .*unknown filter/.test(r)),
    reasons.join('\n'),
  );
  const good = await admin.request('POST', '/api/marketing/templates', {
    name: 'Welcome',
    category: 'Newsletters',
    subject: 'Welcome {{record.firstName}}',
    html: '<p>Dear {{record.firstName}} {{record.lastName}}, from {{user.firstName | default:"us"}}</p>',
    text: 'Dear {{record.firstName}}',
  });
  assert.equal(good.statusCode, 201, good.body);
  const dup = await admin.request('POST', '/api/marketing/templates', {
    name: 'Welcome',
    subject: 'x',
    text: 'y',
  });
  assert.equal(dup.statusCode, 409);
});

test('the preview renders a sample record: values escaped in HTML, raw in the subject', async () => {
  const preview = await admin.request('POST', '/api/marketing/templates/preview', {
    subject: 'Hi {{record.firstName}}',
    html: '<p>Hi {{record.firstName}}</p>',
    recordId: contact.id,
  });
  assert.equal(preview.statusCode, 200, preview.body);
  assert.deepEqual(preview.json().problems, []);
  assert.equal(preview.json().rendered.subject, 'Hi Ada <b>');
  assert.equal(preview.json().rendered.html, '<p>Hi Ada &lt;b&gt;</p>');
  const problems = await admin.request('POST', '/api/marketing/templates/preview', {
    subject: '{{record.nope}}',
  });
  assert.equal(problems.json().rendered, null);
  assert.equal(problems.json().problems.length, 2, problems.body);
});

test('send test delivers the rendered draft to the SMTP sink now', async () => {
  const sent = await admin.request('POST', '/api/marketing/templates/test', {
    subject: 'Hi {{record.firstName}}',
    text: 'Hello {{record.lastName}}',
    recordId: contact.id,
    to: 'me@example.com',
  });
  assert.equal(sent.statusCode, 200, sent.body);
  const mail = smtp.received.find((m) => m.to.includes('me@example.com'));
  assert.ok(mail);
  assert.match(mail.raw, /Subject: \[Test\] Hi Ada <b>/);
  assert.match(mail.raw, /Hello Lovelace/);
});

test("an account's password is stored encrypted, never answered, and decrypts for sending", async () => {
  const created = await admin.request('POST', '/api/marketing/accounts', {
    name: 'Sales',
    fromAddress: 'sales@weft.test',
    host: '127.0.0.1',
    port: smtp.port,
    security: 'none',
    username: 'sales',
    password: 'correct horse battery staple',
  });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.json().passwordSet, true);
  assert.ok(!created.body.includes('correct horse'));
  const row = await db
    .selectFrom('emailAccounts')
    .selectAll()
    .where('id', '=', created.json().id)
    .executeTakeFirstOrThrow();
  assert.ok(row.passwordCipher?.startsWith('v1.'));
  assert.ok(!row.passwordCipher?.includes('horse'));
  const sender = await senderFor(db, await app.settings.get(), row.id);
  assert.equal(sender.smtp?.password, 'correct horse battery staple');
  // Tampering with the ciphertext is detected (GCM's tag), not decrypted to garbage.
  const tampered = `${row.passwordCipher?.slice(0, -2)}AA`;
  await db.updateTable('emailAccounts').set({ passwordCipher: tampered }).where('id', '=', row.id).execute();
  await assert.rejects(senderFor(db, await app.settings.get(), row.id));
  await db
    .updateTable('emailAccounts')
    .set({ passwordCipher: row.passwordCipher })
    .where('id', '=', row.id)
    .execute();
  // A user who is not an admin may add an account of their own, not a shared one.
  const rep = await signedInUser(app, db, admin, 'rep');
  const account = {
    name: 'Mine',
    fromAddress: 'rep@weft.test',
    host: 'smtp.weft.test',
    port: 587,
    security: 'starttls',
  };
  const shared = await rep.request('POST', '/api/marketing/accounts', { ...account, ownerId: null });
  assert.equal(shared.statusCode, 403, shared.body);
  const own = await rep.request('POST', '/api/marketing/accounts', account);
  assert.equal(own.statusCode, 201, own.body);
  assert.equal(own.json().ownerId, rep.userId);
  const seen = (await rep.request('GET', '/api/marketing/accounts'))
    .json()
    .items.map((a: { name: string }) => a.name);
  assert.deepEqual(seen, ['Mine', 'Sales'], 'their own and the shared ones');
  const others = await rep.request('DELETE', `/api/marketing/accounts/${row.id}`);
  assert.equal(others.statusCode, 403, "a shared account is the admins' to remove");
});

test('tracking refuses tampered tokens, tokens of another purpose and links that were not in the mail', async () => {
  const message = await sentMessage('ada@example.com', String(contact.id), ['https://shop.example.com/a']);
  const good = signToken(key, message.id, 'c0');
  const click = await app.inject({ method: 'GET', url: `/api/t/c/${good}` });
  assert.equal(click.statusCode, 302);
  assert.equal(click.headers.location, 'https://shop.example.com/a');
  const tampered = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`;
  const otherMessage = `${crypto.randomUUID()}.c0.${good.split('.')[2]}`;
  const notInMail = signToken(key, message.id, 'c1'); // validly signed, but the mail had one link
  const openAsClick = signToken(key, message.id, 'o');
  for (const token of [tampered, otherMessage, notInMail, openAsClick, 'x', `${message.id}.c0`]) {
    const response = await app.inject({ method: 'GET', url: `/api/t/c/${encodeURIComponent(token)}` });
    assert.equal(response.statusCode, 404, token);
    assert.equal(response.headers.location, undefined);
  }
  const unopened = await sentMessage('ada@example.com', String(contact.id), []);
  const pixel = await app.inject({
    method: 'GET',
    url: `/api/t/o/${signToken(key, unopened.id, 'o').slice(0, -2)}xx`,
  });
  assert.equal(pixel.statusCode, 404);
  const row = await db
    .selectFrom('marketingMessages')
    .select('openedAt')
    .where('id', '=', unopened.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.openedAt, null);
  const page = await app.inject({ method: 'GET', url: `/api/t/u/${signToken(key, message.id, 'o')}` });
  assert.equal(page.statusCode, 404);
});

test('opens and clicks arriving together are written in one batch, each answered with its own mail and link', async () => {
  const a = await sentMessage('ada@example.com', String(contact.id), [
    'https://shop.example.com/1',
    'https://shop.example.com/2',
  ]);
  const b = await sentMessage('bob@example.com', String(other.id), ['https://shop.example.com/3']);
  const get = (url: string) => app.inject({ method: 'GET', url });
  const before = Number(
    (
      await sql<{
        n: number;
      }>`select count(*)::int as n from events where type in ('email.opened', 'email.clicked')`.execute(db)
    ).rows[0]?.n,
  );
  // Fired in one turn of the event loop: one statement writes them all.
  const answers = await Promise.all([
    get(`/api/t/o/${signToken(key, a.id, 'o')}`),
    get(`/api/t/o/${signToken(key, a.id, 'o')}`),
    get(`/api/t/o/${signToken(key, crypto.randomUUID(), 'o')}`),
    get(`/api/t/c/${signToken(key, a.id, 'c1')}`),
    get(`/api/t/c/${signToken(key, b.id, 'c0')}`),
    get(`/api/t/c/${signToken(key, a.id, 'c0')}`),
    get(`/api/t/c/${signToken(key, a.id, 'c1')}`),
    get(`/api/t/c/${signToken(key, b.id, 'c1')}`),
  ]);
  assert.deepEqual(
    answers.map((r) => [r.statusCode, r.headers.location ?? null]),
    [
      [200, null],
      [200, null],
      [404, null],
      [302, 'https://shop.example.com/2'],
      [302, 'https://shop.example.com/3'],
      [302, 'https://shop.example.com/1'],
      [302, 'https://shop.example.com/2'],
      [404, null],
    ],
  );
  const logged = await db
    .selectFrom('marketingEvents')
    .select(['messageId', 'kind', 'url'])
    .where('messageId', 'in', [a.id, b.id])
    .orderBy('messageId')
    .orderBy('kind')
    .orderBy('url')
    .execute();
  const mine = (id: string) =>
    logged.filter((e) => e.messageId === id).map((e) => `${e.kind} ${e.url ?? ''}`.trim());
  assert.deepEqual(mine(a.id).sort(), [
    'click https://shop.example.com/1',
    'click https://shop.example.com/2',
    'click https://shop.example.com/2',
    'open',
  ]);
  assert.deepEqual(mine(b.id), ['click https://shop.example.com/3']);
  // Flows hear the first open of a, and the first click of each link: four events, not seven.
  const after = Number(
    (
      await sql<{
        n: number;
      }>`select count(*)::int as n from events where type in ('email.opened', 'email.clicked')`.execute(db)
    ).rows[0]?.n,
  );
  assert.equal(after - before, 4);
  const states = await db
    .selectFrom('marketingMessages')
    .select(['id', 'state'])
    .where('id', 'in', [a.id, b.id])
    .execute();
  assert.deepEqual(new Set(states.map((row) => row.state)), new Set(['clicked']));
});

test("batches under way together keep one mail's opens and clicks in order: one first open, one first click per link", async () => {
  const mail = await sentMessage('ada@example.com', String(contact.id), ['https://shop.example.com/x']);
  const count = async (type: string) =>
    Number(
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from events where type = ${type} and payload ->> 'messageId' = ${mail.id}`.execute(
          db,
        )
      ).rows[0]?.n,
    );
  // A turn of the event loop apart: an open batch and a click batch of the same mail are
  // under way together, each going out while the other is still being written.
  const answers: Promise<unknown>[] = [];
  for (let i = 0; i < 30; i++) {
    answers.push(recordClick(db, signToken(key, mail.id, 'c0')));
    answers.push(recordOpen(db, signToken(key, mail.id, 'o')));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const results = await Promise.all(answers);
  assert.deepEqual(
    new Set(results.map((result) => (typeof result === 'boolean' ? result : result && 'click'))),
    new Set([true, 'click']),
  );
  assert.equal(await count('email.clicked'), 1, 'the first click of the link triggers, once');
  // The first request was a click, which is also the open: no pixel open after it counts.
  assert.equal(await count('email.opened'), 0);
  const logged = await db
    .selectFrom('marketingEvents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('messageId', '=', mail.id)
    .where('kind', '=', 'click')
    .executeTakeFirstOrThrow();
  assert.equal(Number(logged.n), 30, 'every click is logged');
});

test('an unsubscribe token unsubscribes its own address only; one-click (RFC 8058) works', async () => {
  const mine = await sentMessage('ada@example.com', String(contact.id), []);
  const token = signToken(key, mine.id, 'u');
  // No way to name another address: the body takes categories only.
  const someoneElse = await app.inject({
    method: 'POST',
    url: `/api/t/u/${token}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'all=1&address=bob%40example.com',
  });
  assert.equal(someoneElse.statusCode, 400, someoneElse.body);
  const unknownCategory = await app.inject({
    method: 'POST',
    url: `/api/t/u/${token}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'category=Everything',
  });
  assert.equal(unknownCategory.statusCode, 400);
  const page = await app.inject({ method: 'GET', url: `/api/t/u/${token}` });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /name="category" value="Promotions"/);
  assert.ok(!page.body.includes('(PLACE_OPP)'));
  const oneClick = await app.inject({
    method: 'POST',
    url: `/api/t/u/${token}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'List-Unsubscribe=One-Click',
  });
  assert.equal(oneClick.statusCode, 200, oneClick.body);
  const rows = await db.selectFrom('emailUnsubscribes').selectAll().execute();
  assert.deepEqual(
    rows.map((row) => [row.address, row.category]),
    [['ada@example.com', '*']],
  );
  // The same as multipart/form-data, as some mailbox providers send it.
  const bobs = await sentMessage('bob@example.com', String(other.id), []);
  const boundary = 'x-boundary';
  const multipart = await app.inject({
    method: 'POST',
    url: `/api/t/u/${signToken(key, bobs.id, 'u')}`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
  });
  assert.equal(multipart.statusCode, 200, multipart.body);
  assert.equal((await db.selectFrom('emailUnsubscribes').selectAll().execute()).length, 2);
  await db.deleteFrom('emailUnsubscribes').execute();
});

test('the admin edits the unsubscribe page texts; scripts in them are not served', async () => {
  await admin.request('PATCH', '/api/settings', {
    unsubscribePageText:
      '<p>Sorry to see you go.</p><script>alert(1)</script>(PLACE_OPP)<p onclick="x()">End</p>',
    unsubscribedPageText: '<p>Done, <img src="https://cdn.example.com/wave.png"></p>',
  });
  const message = await sentMessage('page@example.com', String(other.id), []);
  const page = await app.inject({ method: 'GET', url: `/api/t/u/${signToken(key, message.id, 'u')}` });
  assert.match(page.body, /Sorry to see you go\./);
  assert.ok(!page.body.includes('<script>alert'));
  assert.ok(!page.body.includes('onclick'));
  assert.ok(page.body.indexOf('name="category"') > page.body.indexOf('Sorry to see you go'));
  const done = await app.inject({
    method: 'POST',
    url: `/api/t/u/${signToken(key, message.id, 'u')}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'category=Events',
  });
  assert.equal(done.statusCode, 200);
  assert.match(done.body, /wave\.png/);
  await db.deleteFrom('emailUnsubscribes').execute();
});

test('newsletters hold contacts and bare addresses; the web form subscribes; "add to newsletter" runs in a flow', async () => {
  const created = await admin.request('POST', '/api/marketing/newsletters', {
    name: 'Monthly',
    category: 'Newsletters',
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  const form = await app.inject({
    method: 'POST',
    url: `/api/t/subscribe/${id}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'email=Reader%40Example.com&name=A+Reader',
  });
  assert.equal(form.statusCode, 200, form.body);
  const badForm = await app.inject({
    method: 'POST',
    url: `/api/t/subscribe/${id}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'email=not-an-address',
  });
  assert.equal(badForm.statusCode, 400);
  const flowId = await publish(
    straightFlow('Subscribe', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['add', 'newsletter.add', { newsletterId: id }],
    ]),
  );
  const run = await runOn(flowId, String(other.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  assert.deepEqual(run.steps[0]?.output, { added: true });
  const subscribers = (await admin.request('GET', `/api/marketing/newsletters/${id}/subscribers`)).json()
    .items;
  assert.deepEqual(
    subscribers.map((s: { address: string; recordId: string | null }) => [s.address, s.recordId]),
    [
      ['bob@example.com', other.id],
      ['reader@example.com', null],
    ],
  );
});

test("a flow's send-email step can use a template, rendered for the record", async () => {
  const template = (await admin.request('GET', '/api/marketing/templates'))
    .json()
    .items.find((t: { name: string }) => t.name === 'Welcome');
  const flowId = await publish(
    straightFlow('Templated', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['mail', 'email.send', { templateId: template.id }],
    ]),
  );
  const run = await runOn(flowId, String(other.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const row = await db
    .selectFrom('emailOutbox')
    .selectAll()
    .where('recordId', '=', String(other.id))
    .executeTakeFirstOrThrow();
  assert.equal(row.subject, 'Welcome Bob');
  assert.match(String(row.text), /^Dear Bob\n\nUnsubscribe: https:\/\/crm\.example\.com\/api\/t\/u\//);
  assert.deepEqual(row.to, ['bob@example.com']);
  // Tracked like campaign mail: its pixel marks the templated mail opened.
  const pixel = /https:\/\/crm\.example\.com(\/api\/t\/o\/[^"]+)"/.exec(String(row.html))?.[1];
  assert.ok(pixel, String(row.html));
  assert.equal((await app.inject({ method: 'GET', url: pixel })).statusCode, 200);
  const tracked = await db
    .selectFrom('marketingMessages')
    .selectAll()
    .where('templateId', '=', template.id)
    .executeTakeFirstOrThrow();
  assert.equal(tracked.recordId, other.id);
  assert.ok(tracked.openedAt);
  // It is logged on the record with the rest of its email.
  const log = await admin.request('GET', `/api/marketing/records/contacts/${other.id}/emails`);
  const logged = log.json().items.find((item: { id: string }) => item.id === row.id);
  assert.equal(logged.source, 'flow');
  assert.equal(logged.subject, 'Welcome Bob');
});

const fixture = (name: string, messageId: string | null) =>
  readFileSync(path.join(import.meta.dirname, 'fixtures/dsn', name), 'utf8').replace(
    'MESSAGE_ID_LINE',
    messageId ? `Message-ID: ${messageId}` : 'X-Nothing: here',
  );

test('a bounce report arriving through email capture marks the mail bounced and goes no further', async () => {
  const off = onInboundMessage(bounceHandler);
  onTestEnd(async () => off());
  const lost = await create('contacts', { firstName: 'Lost', lastName: 'Mail', email: 'lost@example.com' });
  const sent = await sentMessage('lost@example.com', String(lost.id), []);
  const report = fixture('postfix-hard.eml', sent.messageId).replaceAll(
    'gone@example.com',
    'lost@example.com',
  );
  const captured = await captureInboundMessage(db, { source: 'smtp', raw: Buffer.from(report) });
  assert.ok(!captured.duplicate);
  assert.deepEqual(captured.outcome, { handled: true }, 'not logged on a record by the dropbox rules');
  const row = await db
    .selectFrom('marketingMessages')
    .select('state')
    .where('id', '=', sent.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.state, 'bounced');
  // Ordinary mail is not the bounce handler's: it goes on to the dropbox rules.
  const letter = await captureInboundMessage(db, {
    source: 'smtp',
    raw: Buffer.from(
      'From: friend@example.com\r\nTo: crm@weft.test\r\nSubject: Lunch?\r\nMessage-ID: <lunch@example.com>\r\n\r\nTomorrow?',
    ),
  });
  assert.ok(!letter.duplicate);
  assert.notDeepEqual(letter.outcome, { handled: true });
});

test('bounces: DSN reports and plain notices are parsed; the mail is marked bounced; enough hard bounces unsubscribe', async () => {
  await admin.request('PATCH', '/api/settings', { bounceDoNotEmailAfter: 2 });
  const gone = await create('contacts', { firstName: 'Gone', lastName: 'Away', email: 'gone@example.com' });
  const first = await sentMessage('gone@example.com', String(gone.id), []);
  const parsed = await parseBounce(fixture('postfix-hard.eml', first.messageId));
  assert.deepEqual(parsed, {
    originalMessageId: first.messageId,
    recipients: [
      {
        address: 'gone@example.com',
        status: '5.1.1',
        action: 'failed',
        diagnostic:
          'smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown in local recipient table',
        hard: true,
      },
    ],
  });
  const delayed = await parseBounce(fixture('postfix-delayed.eml', null));
  assert.deepEqual(
    delayed?.recipients.map((r) => [r.address, r.action, r.status, r.hard]),
    [['full@example.com', 'delayed', '4.2.2', false]],
  );
  const plain = await parseBounce(fixture('exim-plain.eml', '<abc@weft.test>'));
  assert.equal(plain?.originalMessageId, '<abc@weft.test>');
  assert.deepEqual(
    plain?.recipients.map((r) => [r.address, r.status, r.hard]),
    [['nobody@example.org', '5.1.1', true]],
  );
  assert.equal(await parseBounce('From: friend@example.com\r\nSubject: Lunch?\r\n\r\nTomorrow?'), null);

  const handled = await handleBounceMail(db, fixture('postfix-hard.eml', first.messageId));
  assert.deepEqual(handled?.results, [{ messageId: first.id, unsubscribed: false }]);
  const row = await db
    .selectFrom('marketingMessages')
    .selectAll()
    .where('id', '=', first.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.state, 'bounced');
  assert.ok(row.bouncedAt);
  // A delay warning is not a failure: nothing is recorded.
  assert.deepEqual((await handleBounceMail(db, fixture('postfix-delayed.eml', null)))?.results, []);
  const second = await sentMessage('gone@example.com', String(gone.id), []);
  const again = await handleBounceMail(db, fixture('postfix-hard.eml', second.messageId));
  assert.deepEqual(again?.results, [{ messageId: second.id, unsubscribed: true }]);
  // From now on flows do not email the address either.
  const flowId = await publish(
    straightFlow('Mail gone', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['mail', 'email.send', { subject: 'Hi', body: 'Hi' }],
    ]),
  );
  const run = await runOn(flowId, String(gone.id));
  assert.equal(run.steps[0]?.output?.skipped, 'doNotEmail', JSON.stringify(run.steps));
});

test('SMS goes through the Twilio-compatible API (a local stand-in: the real one cannot run here), honouring do not text', async () => {
  const requests: { url: string; auth: string; form: URLSearchParams }[] = [];
  const standIn = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      requests.push({
        url: request.url ?? '',
        auth: request.headers.authorization ?? '',
        form: new URLSearchParams(body),
      });
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ sid: 'SM0123456789', status: 'queued' }));
    });
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  onTestEnd(() => new Promise<void>((resolve) => standIn.close(() => resolve())));
  const port = (standIn.address() as AddressInfo).port;
  await admin.request('PATCH', '/api/settings', {
    smsAccountSid: 'AC123',
    smsAuthToken: 'secret-token',
    smsFromNumber: '+15550001111',
    smsApiBaseUrl: `http://127.0.0.1:${port}`,
    httpAllowList: ['127.0.0.1'],
  });
  const flowId = await publish(
    straightFlow('Text', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['sms', 'sms.send', { body: 'Hello {{record.lastName}}' }],
    ]),
  );
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  assert.equal(requests.length, 1);
  const [sent] = requests;
  assert.equal(sent?.url, '/2010-04-01/Accounts/AC123/Messages.json');
  assert.equal(sent?.auth, `Basic ${Buffer.from('AC123:secret-token').toString('base64')}`);
  assert.equal(sent?.form.get('To'), '+442079460000');
  assert.equal(sent?.form.get('From'), '+15550001111');
  assert.equal(sent?.form.get('Body'), 'Hello Lovelace');
  const callback = sent?.form.get('StatusCallback') ?? '';
  assert.match(callback, /^https:\/\/crm\.example\.com\/api\/t\/sms\//);
  // The provider calls back with the delivery status.
  const status = await app.inject({
    method: 'POST',
    url: new URL(callback).pathname,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'MessageSid=SM0123456789&MessageStatus=delivered',
  });
  assert.equal(status.statusCode, 204);
  const row = await db.selectFrom('smsMessages').selectAll().executeTakeFirstOrThrow();
  assert.equal(row.status, 'delivered');
  const forged = await app.inject({
    method: 'POST',
    url: `/api/t/sms/${row.id}.s.AAAAAAAAAAAAAAAAAAAAAA`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'MessageStatus=failed',
  });
  assert.equal(forged.statusCode, 404);
  // "Do not text": the record's doNotCall (contacts have no doNotText field).
  await admin.request('PATCH', `/api/records/contacts/${other.id}`, {
    doNotCall: true,
    phone: '+15557654321',
  });
  const skipped = await runOn(flowId, String(other.id));
  assert.equal(skipped.steps[0]?.output?.skipped, 'doNotText');
  assert.equal(requests.length, 1);
});

test('web activity: a visitor from a tracked link is recognised; page views land on the contact and start flows', async () => {
  const message = await sentMessage('ada@example.com', String(contact.id), [
    'https://www.example.com/pricing',
  ]);
  const click = await app.inject({ method: 'GET', url: `/api/t/c/${signToken(key, message.id, 'c0')}` });
  const landing = new URL(String(click.headers.location));
  assert.equal(`${landing.origin}${landing.pathname}`, 'https://www.example.com/pricing');
  const link = landing.searchParams.get('weft_v');
  assert.ok(link);
  const flowId = await publish(
    straightFlow(
      'Pricing visit',
      { type: 'trigger.webActivity', params: { module: 'contacts', url: '/pricing' } },
      [['note', 'record.comment', { text: 'Visited {{trigger.url}}' }]],
    ),
  );
  const anonymous = await app.inject({
    method: 'POST',
    url: '/api/t/web/visit',
    headers: { 'content-type': 'text/plain' },
    payload: JSON.stringify({ url: 'https://www.example.com/' }),
  });
  assert.equal(anonymous.statusCode, 200, anonymous.body);
  assert.equal(anonymous.json().recognised, false);
  assert.equal(anonymous.headers['access-control-allow-origin'], '*');
  const visit = await app.inject({
    method: 'POST',
    url: '/api/t/web/visit',
    headers: { 'content-type': 'text/plain' },
    payload: JSON.stringify({ visitor: anonymous.json().visitor, link, url: landing.toString() }),
  });
  assert.equal(visit.json().recognised, true);
  assert.equal(visit.json().visitor, anonymous.json().visitor, 'the cookie keeps its visitor');
  const forged = await app.inject({
    method: 'POST',
    url: '/api/t/web/visit',
    headers: { 'content-type': 'text/plain' },
    payload: JSON.stringify({
      link: `${message.id}.v.AAAAAAAAAAAAAAAAAAAAAA`,
      url: 'https://www.example.com/x',
    }),
  });
  assert.equal(forged.json().recognised, false);
  const runs = await eventually(
    () =>
      db
        .selectFrom('flowRuns')
        .select(['status', 'recordId'])
        .where('flowId', '=', flowId)
        .where('status', '=', 'succeeded')
        .execute()
        .then((rows) => (rows.length > 0 ? rows : undefined)),
    'the web activity run',
  );
  assert.equal(runs[0]?.recordId, contact.id);
  const views = await db
    .selectFrom('webActivity')
    .selectAll()
    .where('recordId', '=', String(contact.id))
    .orderBy('id')
    .execute();
  // The anonymous view before the tracked link is the contact's too, once they are recognised.
  assert.deepEqual(
    views.map((view) => view.url),
    ['https://www.example.com/', landing.toString()],
  );
  const script = await app.inject({ method: 'GET', url: '/api/t/web.js' });
  assert.equal(script.statusCode, 200);
  assert.match(script.body, /https:\/\/crm\.example\.com/);
  const bad = await app.inject({
    method: 'POST',
    url: '/api/t/web/visit',
    headers: { 'content-type': 'text/plain' },
    payload: '{"url": "javascript:alert(1)"}',
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.details[0].field, 'url');
});

test('targeted content: a flow answers for the visitor; with no flow the page keeps its default', async () => {
  const visitor = (
    await db
      .selectFrom('webVisitors')
      .select('id')
      .where('recordId', '=', String(contact.id))
      .executeTakeFirstOrThrow()
  ).id;
  const none = await app.inject({
    method: 'POST',
    url: '/api/t/web/content',
    headers: { 'content-type': 'text/plain' },
    payload: JSON.stringify({ visitor, url: 'https://www.example.com/blog' }),
  });
  assert.deepEqual(none.json(), { content: null });
  await publish(
    straightFlow(
      'Offer block',
      { type: 'trigger.targetedContentRequested', params: { module: 'contacts', url: '/pricing' } },
      [
        [
          'push',
          'web.pushContent',
          { requestId: '{{trigger.requestId}}', content: '<b>Hi {{record.lastName}}</b>' },
        ],
      ],
    ),
  );
  const answered = await app.inject({
    method: 'POST',
    url: '/api/t/web/content',
    headers: { 'content-type': 'text/plain' },
    payload: JSON.stringify({ visitor, url: 'https://www.example.com/pricing' }),
  });
  assert.deepEqual(answered.json(), { content: '<b>Hi Lovelace</b>' });
});

test('the tracker counts: an earlier email was opened (check step)', async () => {
  const template = await admin.request('POST', '/api/marketing/templates', {
    name: 'Check',
    subject: 'x',
    text: 'y',
  });
  const templateId = template.json().id as string;
  const message = await sentMessage('bob@example.com', String(other.id), [], { templateId });
  const flowId = await publish(
    straightFlow('Opened?', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['check', 'email.wasOpened', { templateId, withinDays: 1 }],
    ]),
  );
  assert.deepEqual((await runOn(flowId, String(other.id))).steps[0]?.output, { opened: false });
  const pixel = await app.inject({ method: 'GET', url: `/api/t/o/${signToken(key, message.id, 'o')}` });
  assert.equal(pixel.statusCode, 200);
  assert.equal(pixel.headers['content-type'], 'image/gif');
  assert.deepEqual((await runOn(flowId, String(other.id))).steps[0]?.output, { opened: true });
  const opens = async () => {
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from events where type = 'email.opened' and payload->>'messageId' = ${message.id}`.execute(
      db,
    );
    return Number(rows[0]?.n);
  };
  assert.equal(await opens(), 1);
  await app.inject({ method: 'GET', url: `/api/t/o/${signToken(key, message.id, 'o')}` });
  assert.equal(await opens(), 1, 'a second open emits nothing');
});

test('a flow launches a campaign (X2FlowCampaignLaunch); a scheduled one waits for its time', async () => {
  const list = await admin.request('POST', '/api/lists', {
    module: 'contacts',
    name: 'Just Bob',
    kind: 'static',
  });
  assert.equal(list.statusCode, 201, list.body);
  await admin.request('POST', `/api/lists/${list.json().id}/members`, { recordIds: [other.id] });
  const template = await admin.request('POST', '/api/marketing/templates', {
    name: 'Flowed',
    subject: 'Hi',
    text: 'Hi',
  });
  const campaign = await admin.request('POST', '/api/marketing/campaigns', {
    name: 'From a flow',
    listId: list.json().id,
    templateId: template.json().id,
  });
  const flowId = await publish(
    straightFlow('Launch', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['launch', 'campaign.launch', { campaignId: campaign.json().id }],
    ]),
  );
  const run = await runOn(flowId, String(other.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  assert.deepEqual(run.steps[0]?.output, { status: 'running', queued: 1 });
  const again = await runOn(flowId, String(other.id));
  assert.equal(again.status, 'failed', 'a campaign launches once');

  const later = new Date(Date.now() + 3_600_000).toISOString();
  const scheduled = await admin.request('POST', '/api/marketing/campaigns', {
    name: 'Later',
    listId: list.json().id,
    templateId: template.json().id,
    scheduledAt: later,
  });
  const launched = await admin.request('POST', `/api/marketing/campaigns/${scheduled.json().id}/launch`, {});
  assert.equal(launched.statusCode, 200, launched.body);
  assert.equal(launched.json().status, 'scheduled');
  const job = await sql<{ start_after: Date }>`
    select start_after from pgboss.job where name = 'weft.marketing.campaign' and data->>'campaignId' = ${scheduled.json().id}`.execute(
    db.withoutPlugins(),
  );
  assert.equal(new Date(job.rows[0]?.start_after ?? 0).toISOString(), later);
});
