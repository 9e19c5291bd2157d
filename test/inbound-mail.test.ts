import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { captureInboundMessage, onInboundMessage } from '../server/inbound-mail/capture.ts';
import { imapIdleEnabled, startMailWatchers } from '../server/inbound-mail/imap-poller.ts';
import { startSmtpListener } from '../server/inbound-mail/smtp-listener.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { startDovecot } from './helpers/dovecot.ts';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';

process.env.WEFT_SECRET_KEY ??= 'a-test-key-of-at-least-thirty-two-characters';
const { db, admin, create, publish, finished } = await engineTestApp();
const saved = await admin.request('PUT', '/api/inbound-mail/settings', {
  captureAddresses: ['dropbox@crm.test'],
  supportAddresses: ['support@crm.test'],
  createContacts: true,
  zapLineBreaks: true,
});
assert.equal(saved.statusCode, 200, saved.body);
const listener = await startSmtpListener(db, {
  port: 0,
  host: '127.0.0.1',
  acceptedDomains: ['crm.test'],
  maxBytes: 60_000,
  onError: (error) => console.error(error),
});
onTestEnd(() => listener.close());
const smtp = nodemailer.createTransport({
  host: '127.0.0.1',
  port: listener.port,
  secure: false,
  ignoreTLS: true,
});

const emailsOf = async (module: string, id: string) =>
  (await admin.request('GET', `/api/inbound-mail/records/${module}/${id}/emails`)).json().items as {
    subject: string;
    body: string;
    direction: string;
    attachments: { filename: string; size: number }[];
  }[];
const contactByEmail = async (email: string) =>
  (await sql<{ id: string }>`select id from rec_contacts where lower(email) = ${email}`.execute(db)).rows[0];

test('mail over SMTP to the dropbox is logged on the contact, with attachments; the inbound email flow runs; a resend counts once', async () => {
  const ann = await create('contacts', { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' });
  const flowId = await publish(
    straightFlow('Pricing questions', { type: 'trigger.emailInbound', params: { subject: 'pricing' } }, [
      ['post', 'feed.post', { text: 'Email from {{trigger.from}}: {{trigger.subject}}' }],
    ]),
  );
  const message = {
    from: 'Ann Lee <ann@example.com>',
    to: 'sales@crm.test',
    cc: 'dropbox@crm.test',
    subject: 'Pricing for 40 seats',
    text: 'Hello,\nwhat would\n40 seats cost?\n\nThanks, Ann',
    messageId: '<pricing-1@example.com>',
    attachments: [{ filename: 'seats.csv', content: 'seat\n'.repeat(20) }],
  };
  await smtp.sendMail(message);
  const [logged] = await emailsOf('contacts', ann.id as string);
  assert.ok(logged, 'stored before the 250');
  assert.equal(logged.subject, 'Pricing for 40 seats');
  assert.equal(logged.body, 'Hello, what would 40 seats cost?\n\nThanks, Ann', 'zap line breaks');
  assert.deepEqual(
    logged.attachments.map((a) => [a.filename, a.size]),
    [['seats.csv', 100]],
  );
  const run = await eventually(
    () =>
      db.selectFrom('flowRuns').select(['id', 'recordId']).where('flowId', '=', flowId).executeTakeFirst(),
    'the inbound email flow',
  );
  assert.equal(run.recordId, ann.id);
  assert.equal((await finished(run.id)).status, 'succeeded');

  await smtp.sendMail(message);
  assert.equal((await emailsOf('contacts', ann.id as string)).length, 1, 'same Message-ID: captured once');
  const rows = await db
    .selectFrom('inboundMessages')
    .select('id')
    .where('messageId', '=', '<pricing-1@example.com>')
    .execute();
  assert.equal(rows.length, 1);
});

test('create contacts from emails; a forwarded conversation is logged on its original sender; support mail opens a case', async () => {
  await smtp.sendMail({
    from: '"Bob Stone" <bob@example.org>',
    to: 'dropbox@crm.test',
    subject: 'Hello',
    text: 'Hi',
  });
  const bob = await contactByEmail('bob@example.org');
  assert.ok(bob, 'an unknown sender becomes a contact');
  const bobRecord = (await admin.request('GET', `/api/records/contacts/${bob.id}`)).json();
  assert.deepEqual([bobRecord.firstName, bobRecord.lastName], ['Bob', 'Stone']);

  const rep = await admin.request('POST', '/api/users', {
    username: 'rep',
    password: 'rep-password-123',
    firstName: 'Rita',
    email: 'rita@crm.test',
  });
  assert.equal(rep.statusCode, 201, rep.body);
  await smtp.sendMail({
    from: 'Rita <rita@crm.test>',
    to: 'dropbox@crm.test',
    subject: 'Fwd: Contract',
    text: 'FYI\n\n---------- Forwarded message ---------\nFrom: Carol King <carol@example.net>\nDate: Mon\nSubject: Contract\n\nPlease send the contract.',
  });
  const carol = await contactByEmail('carol@example.net');
  assert.ok(carol, 'the forwarded conversation’s sender');
  const [forwarded] = await emailsOf('contacts', carol.id);
  assert.equal(forwarded?.subject, 'Fwd: Contract');
  assert.equal(forwarded?.direction, 'outbound');
  assert.equal(await contactByEmail('rita@crm.test'), undefined, 'a user is never made a contact');

  await smtp.sendMail({
    from: 'Dave Ray <dave@example.com>',
    to: 'support@crm.test',
    subject: 'Printer on fire',
    text: 'Help',
  });
  const dave = await contactByEmail('dave@example.com');
  assert.ok(dave);
  const cases = await admin.request('GET', `/api/records/cases?q=${encodeURIComponent('Printer on fire')}`);
  const [kase] = cases.json().items;
  assert.equal(kase?.contactId, dave.id);
  assert.equal(kase?.origin, 'Email');
});

test('the listener refuses other domains and oversized mail; malformed MIME is kept with its parse error', async () => {
  await assert.rejects(
    smtp.sendMail({ from: 'x@example.com', to: 'someone@elsewhere.test', subject: 'x', text: 'x' }),
    (error: { responseCode?: number }) => error.responseCode === 550,
  );
  await assert.rejects(
    smtp.sendMail({
      from: 'x@example.com',
      to: 'dropbox@crm.test',
      subject: 'big',
      text: 'x'.repeat(80_000),
    }),
    (error: { responseCode?: number }) => error.responseCode === 552,
  );
  await smtp.sendMail({
    envelope: { from: 'x@example.com', to: ['dropbox@crm.test'] },
    raw: '\u0000\u0001 this is not a mail message at all',
  });
  const malformed = await admin.request('GET', '/api/inbound-mail/messages?status=malformed');
  assert.equal(malformed.statusCode, 200);
  const [kept] = malformed.json().items;
  assert.ok(kept, 'kept');
  assert.match(kept.parseError, /not a MIME message/);
});

test('another feature sees each message first and can take it (a bounce)', async () => {
  const seen: string[] = [];
  const off = onInboundMessage(async (_trx, message) => {
    seen.push(message.contentType ?? '');
    return message.contentType === 'multipart/report' ? 'handled' : undefined;
  });
  onTestEnd(async () => off());
  const raw = Buffer.from(
    'From: MAILER-DAEMON@example.com\r\nTo: dropbox@crm.test\r\nSubject: Undelivered\r\nMessage-ID: <dsn-1@example.com>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n',
  );
  const result = await captureInboundMessage(db, { source: 'smtp', raw });
  assert.equal(result.duplicate, false);
  assert.equal(!result.duplicate && result.status, 'ignored');
  assert.deepEqual(seen, ['multipart/report']);
  off();
});

test('an IMAP mailbox on dovecot: polled, each message captured once, also after a restart mid-mailbox; the password is stored encrypted', async () => {
  const server = await startDovecot();
  const imap = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    auth: { user: server.user, pass: server.password },
    logger: false,
  });
  await imap.connect();
  onTestEnd(() => imap.logout().catch(() => undefined));
  const mail = (id: number, from: string) =>
    `From: ${from}\r\nTo: inbox@crm.test\r\nSubject: Mailbox ${id}\r\nMessage-ID: <imap-${id}@example.com>\r\nDate: Mon, 1 Dec 2026 10:00:00 +0000\r\n\r\nBody ${id}\r\n`;
  await create('contacts', { firstName: 'Erin', lastName: 'Poll', email: 'erin@example.com' });
  await imap.append('INBOX', mail(1, 'Erin Poll <erin@example.com>'));
  await imap.append('INBOX', mail(2, 'Erin Poll <erin@example.com>'));
  await imap.append('INBOX', 'this is \u0000 not MIME');
  const created = await admin.request('POST', '/api/inbound-mail/mailboxes', {
    name: 'Sales inbox',
    host: server.host,
    port: server.port,
    tls: false,
    username: server.user,
    password: server.password,
  });
  assert.equal(created.statusCode, 201, created.body);
  const mailboxId = created.json().id as string;
  assert.equal(created.json().password, undefined);
  const stored = await db.selectFrom('mailboxes').select('passwordEncrypted').executeTakeFirstOrThrow();
  assert.ok(!stored.passwordEncrypted.includes(server.password), 'not stored in clear');
  assert.match(stored.passwordEncrypted, /^v1\./);

  const poll = async () =>
    (await admin.request('POST', `/api/inbound-mail/mailboxes/${mailboxId}/poll`)).json();
  assert.deepEqual(await poll(), { captured: 3 });
  const erin = await contactByEmail('erin@example.com');
  assert.ok(erin);
  assert.equal((await emailsOf('contacts', erin.id)).length, 2);
  const malformed = await db
    .selectFrom('inboundMessages')
    .select(['status', 'uid'])
    .where('mailboxId', '=', mailboxId)
    .where('status', '=', 'malformed')
    .execute();
  assert.equal(malformed.length, 1, 'the malformed one is kept; the poll went on');

  await imap.append('INBOX', mail(4, 'Erin Poll <erin@example.com>'));
  assert.deepEqual(await poll(), { captured: 1 });
  // A restart that lost the poller's place: the UIDs and Message-IDs already stored count once.
  await db.updateTable('mailboxes').set({ lastUid: 0 }).where('id', '=', mailboxId).execute();
  await poll();
  assert.equal((await emailsOf('contacts', erin.id)).length, 3);
  assert.equal(
    (await db.selectFrom('inboundMessages').select('id').where('mailboxId', '=', mailboxId).execute()).length,
    4,
  );
  const wrong = await admin.request('PATCH', `/api/inbound-mail/mailboxes/${mailboxId}`, {
    password: 'wrong',
  });
  assert.equal(wrong.statusCode, 200);
  const failed = await poll();
  assert.equal(failed.captured, 0);
  assert.ok(failed.error, 'a failing mailbox says why, and nothing crashes');
});

test('IMAP IDLE: a message appended once the watch is up is captured within two seconds, without waiting for the poll; the watch comes back after the server drops it', async () => {
  const server = await startDovecot('idler', 'idle-password');
  const imap = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: false,
    auth: { user: server.user, pass: server.password },
    logger: false,
  });
  await imap.connect();
  onTestEnd(() => imap.logout().catch(() => undefined));
  const mail = (id: number) =>
    `From: Ida Idle <ida@example.com>\r\nTo: inbox@crm.test\r\nSubject: Idle ${id}\r\nMessage-ID: <idle-${id}@example.com>\r\nDate: Mon, 1 Dec 2026 10:00:00 +0000\r\n\r\nBody ${id}\r\n`;
  const ida = await create('contacts', { firstName: 'Ida', lastName: 'Idle', email: 'ida@example.com' });
  const created = await admin.request('POST', '/api/inbound-mail/mailboxes', {
    name: 'Idle inbox',
    host: server.host,
    port: server.port,
    tls: false,
    username: server.user,
    password: server.password,
    pollSeconds: 3600,
  });
  assert.equal(created.statusCode, 201, created.body);
  const mailboxId = created.json().id as string;
  // As the server does (queue.ts → startMailPoller): watchers unless WEFT_IMAP_IDLE=0.
  const watchers = imapIdleEnabled() ? startMailWatchers(db) : undefined;
  onTestEnd(async () => watchers?.stop());
  const idling = () => watchers?.state(mailboxId) === 'idling';
  if (watchers) await eventually(async () => idling(), 'the watch to idle', 5000);
  else await new Promise((resolve) => setTimeout(resolve, 1000));

  const captured = (n: number) => async () => (await emailsOf('contacts', ida.id as string)).length >= n;
  const started = Date.now();
  await imap.append('INBOX', mail(1));
  await eventually(captured(1), 'the message, pushed by IDLE', 2000);
  const ms = Date.now() - started;
  assert.ok(ms < 2000, `captured in ${ms} ms`);

  // The server drops every connection (dovecot's `kick` is not there: its process is told to
  // reload instead → close the client sockets the hard way): the watch reconnects with backoff.
  assert.ok(watchers);
  const watch = (watchers as unknown as { watches: Map<string, { client?: ImapFlow }> }).watches.get(
    mailboxId,
  );
  watch?.client?.close();
  await eventually(async () => !idling() || undefined, 'the watch to notice');
  await eventually(async () => idling(), 'the watch to come back', 10_000);
  await imap.append('INBOX', mail(2));
  await eventually(captured(2), 'the next message after the reconnect', 2000);
});

test('an email written on the record page is sent through the outbox, logged on the record, and fires the outbound email trigger; "do not email" is honoured', async () => {
  const flowId = await publish(
    straightFlow('Sent to customers', { type: 'trigger.emailOutbound', params: { subject: 'your order' } }, [
      ['post', 'feed.post', { text: 'Sent: {{trigger.subject}}' }],
    ]),
  );
  const olga = await create('contacts', { firstName: 'Olga', lastName: 'Sent', email: 'olga@example.com' });
  const sent = await admin.request('POST', `/api/inbound-mail/records/contacts/${olga.id}/emails`, {
    subject: 'About your order',
    text: 'Hello Olga,\nit ships today.',
  });
  assert.equal(sent.statusCode, 201, sent.body);
  const [logged] = await emailsOf('contacts', olga.id as string);
  assert.equal(logged?.direction, 'outbound');
  assert.equal(logged?.subject, 'About your order');
  const outbox = await db
    .selectFrom('emailOutbox')
    .select(['to', 'recordId'])
    .where('id', '=', sent.json().id)
    .executeTakeFirstOrThrow();
  assert.deepEqual(outbox.to, ['olga@example.com']);
  const run = await eventually(
    () =>
      db.selectFrom('flowRuns').select(['id', 'recordId']).where('flowId', '=', flowId).executeTakeFirst(),
    'the outbound email flow',
  );
  assert.equal(run.recordId, olga.id);

  const quiet = await create('contacts', {
    firstName: 'Quinn',
    lastName: 'Quiet',
    email: 'quinn@example.com',
    doNotEmail: true,
  });
  const refused = await admin.request('POST', `/api/inbound-mail/records/contacts/${quiet.id}/emails`, {
    subject: 'Hi',
    text: 'Hello',
  });
  assert.equal(refused.statusCode, 422, refused.body);
  assert.match(refused.json().error.details[0].reason, /Do not email/);
  const nobody = await create('contacts', { firstName: 'No', lastName: 'Address' });
  const noAddress = await admin.request('POST', `/api/inbound-mail/records/contacts/${nobody.id}/emails`, {
    subject: 'Hi',
    text: 'Hello',
  });
  assert.equal(noAddress.statusCode, 400);
  assert.equal(noAddress.json().error.details[0].field, 'to');
});
