/**
 * Who mail goes out from, through real SMTP servers (two local sinks: the system's and the
 * accounts'): a flow's email from the record owner's / the flow's acting user's / a chosen
 * account with its signature; the notification, web-lead and case senders of the settings;
 * List-Unsubscribe on a flow's marketing mail only; a web form identifying the tracker's
 * visitor; the newsletter subscribe form's rate limits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { startEmailWorker } from '../server/email/email.ts';
import { onFormVisitor, startFormWorker } from '../server/forms/form-process.ts';
import { identifyVisitor } from '../server/marketing/web.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';
import { signedInUser } from './helpers/people.ts';
import { type ReceivedMail, startSmtpServer } from './helpers/smtp.ts';

const { app, db, admin, publish, runOn, create } = await engineTestApp();
const boss = app.boss as NonNullable<typeof app.boss>;
await startEmailWorker(boss, db, app.settings, { retryDelaySeconds: 1 });
await startFormWorker(boss, db, app.settings);
// As server/queue.ts does: a form's visitor becomes its contact.
const offVisitor = onFormVisitor(identifyVisitor);
onTestEnd(async () => {
  offVisitor();
  await boss.offWork('weft.email.deliver');
  await boss.offWork('weft.forms.process');
});
const system = await startSmtpServer();
const accounts = await startSmtpServer();
const saved = await admin.request('PATCH', '/api/settings', {
  smtpHost: '127.0.0.1',
  smtpPort: system.port,
  smtpSecurity: 'none',
  emailFromAddress: 'crm@weft.test',
  emailSignatureMode: 'user',
  emailSignature: '<p>The Weft team</p>',
  trackingBaseUrl: 'https://crm.example.com',
});
assert.equal(saved.statusCode, 200, saved.body);

async function account(name: string, fromAddress: string, signature: string | null, ownerId: string | null) {
  const created = await admin.request('POST', '/api/marketing/accounts', {
    name,
    fromAddress,
    fromName: name,
    host: '127.0.0.1',
    port: accounts.port,
    security: 'none',
    signature,
    ownerId,
  });
  assert.equal(created.statusCode, 201, created.body);
  return created.json().id as string;
}

const rep = await signedInUser(app, db, admin, 'rep');
await account('Rita Rep', 'rita@sales.test', '<p>Rita Rep<br>Account manager &amp; friend</p>', rep.userId);
await account('Admin Own', 'admin@sales.test', '<p>The admin</p>', admin.userId);
const chosen = await account('Events', 'events@weft.test', '<p>Events desk</p>', null);

/** A raw message with its quoted-printable soft breaks and escapes undone (enough for these checks). */
const plainOf = (raw: string) =>
  raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_all, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

/** The mail a sink got for an address, once it arrives. */
const mailTo = (sink: { received: ReceivedMail[] }, address: string, subject?: string) =>
  eventually(
    async () =>
      sink.received.find(
        (mail) => mail.to.includes(address) && (!subject || mail.raw.includes(`Subject: ${subject}`)),
      ),
    `mail to ${address}`,
  );

test("a flow's email goes out from the record owner's, the acting user's or a chosen account, with its signature", async () => {
  const contact = await create('contacts', {
    firstName: 'Carl',
    lastName: 'Client',
    email: 'carl@example.com',
    assignedTo: rep.userId,
  });
  const flowId = await publish(
    straightFlow('From the rep', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['owner', 'email.send', { subject: 'From owner', body: 'Hello Carl', from: 'owner' }],
      ['acting', 'email.send', { subject: 'From acting', body: 'Hello', from: 'flowUser' }],
      [
        'chosen',
        'email.send',
        { subject: 'From chosen', html: '<p>Hi</p>', from: 'account', accountId: chosen },
      ],
      ['plain', 'email.send', { subject: 'From system', body: 'Hi', signature: false }],
    ]),
  );
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));

  const owner = await mailTo(accounts, 'carl@example.com', 'From owner');
  assert.equal(owner.from, 'rita@sales.test', 'the envelope From is the rep account');
  assert.match(owner.raw, /^From: Rita Rep <rita@sales\.test>\r?$/m);
  // The rep's own signature (signature mode "user"), as text after the "-- " delimiter.
  assert.match(plainOf(owner.raw), /Hello Carl\r?\n\r?\n-- \r?\nRita Rep\r?\nAccount manager & friend/);
  assert.ok(!owner.raw.includes('The Weft team'));

  const acting = await mailTo(accounts, 'carl@example.com', 'From acting');
  assert.equal(acting.from, 'admin@sales.test', "the flow's owner (the admin who made it)");
  assert.match(plainOf(acting.raw), /-- \r?\nThe admin/);

  const picked = await mailTo(accounts, 'carl@example.com', 'From chosen');
  assert.equal(picked.from, 'events@weft.test');
  assert.match(
    picked.raw,
    /<div class=3D"weft-signature"><p>Events desk<\/p><\/div>|<div class="weft-signature"><p>Events desk<\/p><\/div>/,
  );

  const plain = await mailTo(system, 'carl@example.com', 'From system');
  assert.equal(plain.from, 'crm@weft.test', 'the system sender, through the system SMTP server');
  assert.ok(!plainOf(plain.raw).includes('-- '));
  assert.ok(!system.received.some((mail) => mail.raw.includes('Subject: From owner')));

  // A record whose owner has no account of their own goes out from the system sender.
  const orphan = await create('contacts', {
    firstName: 'Olga',
    lastName: 'Orphan',
    email: 'olga@example.com',
    assignedTo: null,
  });
  const orphanRun = await runOn(flowId, String(orphan.id));
  assert.equal(orphanRun.status, 'succeeded', JSON.stringify(orphanRun.steps));
  assert.equal((await mailTo(system, 'olga@example.com', 'From owner')).from, 'crm@weft.test');

  // An account that does not exist is refused at publishing, by its name in the step's form.
  const withAccount = (accountId: string) =>
    straightFlow('Bad account', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['x', 'email.send', { subject: 'x', body: 'x', from: 'account', accountId }],
    ]);
  const refused = await admin.request('POST', '/api/flows/validate', withAccount(crypto.randomUUID()));
  assert.deepEqual(
    refused
      .json<{ problems: { path: string; message: string }[] }>()
      .problems.map((p) => [p.path, p.message]),
    [['/accountId', 'The sending account chosen for "Account" no longer exists: choose another']],
  );
  // One removed after publishing fails the step, naming the field.
  const doomed = await account('Doomed', 'doomed@weft.test', null, null);
  const broken = await publish(withAccount(doomed));
  await db.deleteFrom('emailAccounts').where('id', '=', doomed).execute();
  const failed = await runOn(broken, String(contact.id));
  assert.equal(failed.status, 'failed');
  assert.match(JSON.stringify(failed.steps), /from.*does not exist/);
});

test("a flow's marketing mail (a template with a category) carries List-Unsubscribe; a rep's own template does not", async () => {
  const template = async (name: string, category: string | null) => {
    const created = await admin.request('POST', '/api/marketing/templates', {
      name,
      category,
      subject: `${name} {{record.firstName}}`,
      html: '<p>Hi {{record.firstName}}, see <a href="https://shop.example.com/x">this</a></p>',
      text: 'Hi {{record.firstName}}',
    });
    assert.equal(created.statusCode, 201, created.body);
    return created.json().id as string;
  };
  const promo = await template('Promo', 'Offers');
  const personal = await template('Personal', null);
  const contact = await create('contacts', { firstName: 'Mia', lastName: 'M', email: 'mia@example.com' });
  const flowId = await publish(
    straightFlow('Templated mail', { type: 'trigger.manual', params: { module: 'contacts' } }, [
      ['promo', 'email.send', { templateId: promo }],
      ['personal', 'email.send', { templateId: personal, from: 'flowUser' }],
    ]),
  );
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const marketing = await mailTo(system, 'mia@example.com', 'Promo Mia');
  assert.match(marketing.raw, /^List-Unsubscribe:\s+<https:\/\/crm\.example\.com\/api\/t\/u\/[^>]+>\r?$/m);
  assert.match(marketing.raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
  const body = plainOf(marketing.raw);
  assert.match(body, /Unsubscribe: https:\/\/crm\.example\.com\/api\/t\/u\//);
  // The signature once: the sender's (the system's global one here), not also the tracker's.
  assert.equal(body.split('The Weft team').length - 1, 2, 'once in the text, once in the HTML');
  const own = await mailTo(accounts, 'mia@example.com', 'Personal Mia');
  assert.ok(!/^List-Unsubscribe/m.test(own.raw), own.raw);
  assert.ok(!plainOf(own.raw).includes('/api/t/u/'), 'no unsubscribe link in a personal mail');
  assert.match(plainOf(own.raw), /\/api\/t\/o\//, 'still tracked: the open pixel');

  // Unsubscribed from "Offers": the marketing step is skipped, saying why; the personal mail still goes.
  await db
    .insertInto('emailUnsubscribes')
    .values({ address: 'mia@example.com', category: 'Offers' })
    .execute();
  const again = await runOn(flowId, String(contact.id));
  assert.equal(again.status, 'succeeded', JSON.stringify(again.steps));
  const [promoStep, personalStep] = again.steps.map((step) => (step.output ?? {}) as Record<string, unknown>);
  assert.equal(promoStep?.skipped, 'doNotEmail');
  assert.match(String(promoStep?.reason), /unsubscribed from “Offers”/);
  assert.ok(personalStep?.messageId);
  const tracked = await db
    .selectFrom('marketingMessages')
    .select('id')
    .where('address', '=', 'mia@example.com')
    .where('templateId', '=', promo)
    .execute();
  assert.equal(tracked.length, 1, 'no tracked mail for the skipped step');
});

test('notification, web-lead and case emails go out from the senders the settings name', async () => {
  const notices = await account('Notices', 'notices@weft.test', null, null);
  const leads = await account('Web leads', 'hello@weft.test', '<p>The sales team</p>', null);
  const support = await account('Support', 'support@weft.test', null, null);
  const set = await admin.request('PATCH', '/api/settings', {
    notificationEmailAccountId: notices,
    webLeadEmailAccountId: leads,
    caseEmailAccountId: support,
  });
  assert.equal(set.statusCode, 200, set.body);

  const invited = await admin.request('POST', '/api/users/invitations', { email: 'newbie@example.com' });
  assert.equal(invited.statusCode, 201, invited.body);
  assert.equal((await mailTo(accounts, 'newbie@example.com')).from, 'notices@weft.test');

  const form = async (name: string, kind: 'lead' | 'case', fields: Record<string, unknown>[]) => {
    const created = await admin.request('POST', '/api/forms', {
      name,
      kind,
      settings: {
        fields,
        minFillSeconds: 0,
        autoResponse: { subject: `${name} received`, body: 'Thank you.' },
      },
    });
    assert.equal(created.statusCode, 201, created.body);
    return created.json().id as string;
  };
  const leadForm = await form('Lead', 'lead', [
    { name: 'firstName', required: true },
    { name: 'lastName', required: true },
    { name: 'email', required: true },
  ]);
  const caseForm = await form('Case', 'case', [
    { name: 'contact.firstName', required: true },
    { name: 'contact.lastName', required: true },
    { name: 'contact.email', required: true },
    { name: 'description', required: true },
  ]);
  const post = (id: string, payload: Record<string, string>, ip: string) =>
    app.inject({
      method: 'POST',
      url: `/api/public/forms/${id}/submit`,
      payload,
      remoteAddress: ip,
      headers: { 'content-type': 'application/json' },
    });
  const lead = await post(
    leadForm,
    { firstName: 'Lee', lastName: 'Lead', email: 'lee@example.com' },
    '10.9.0.1',
  );
  assert.equal(lead.statusCode, 201, lead.body);
  const kase = await post(
    caseForm,
    {
      'contact.firstName': 'Cas',
      'contact.lastName': 'E',
      'contact.email': 'cas@example.com',
      description: 'Broken',
    },
    '10.9.0.2',
  );
  assert.equal(kase.statusCode, 201, kase.body);
  const leadMail = await mailTo(accounts, 'lee@example.com', 'Lead received');
  assert.equal(leadMail.from, 'hello@weft.test');
  const caseMail = await mailTo(accounts, 'cas@example.com', 'Case received');
  assert.equal(caseMail.from, 'support@weft.test');
  assert.ok(!system.received.some((mail) => mail.to.includes('lee@example.com')));
  // Back to the system sender once the settings name none.
  await admin.request('PATCH', '/api/settings', {
    notificationEmailAccountId: null,
    webLeadEmailAccountId: null,
    caseEmailAccountId: null,
  });
});

test("a web form posted from a browser with the tracker's cookie makes that visitor the contact, with their earlier page views", async () => {
  const form = await admin.request('POST', '/api/forms', {
    name: 'Visitors',
    kind: 'lead',
    settings: {
      fields: [
        { name: 'firstName', required: true },
        { name: 'lastName', required: true },
        { name: 'email', required: true },
      ],
      minFillSeconds: 0,
    },
  });
  assert.equal(form.statusCode, 201, form.body);
  const visit = (visitor: string | null, url: string) =>
    app.inject({
      method: 'POST',
      url: '/api/t/web/visit',
      headers: { 'content-type': 'text/plain' },
      payload: JSON.stringify({ visitor, url }),
    });
  const first = await visit(null, 'https://www.example.com/');
  const visitor = first.json().visitor as string;
  assert.equal(first.json().recognised, false);
  await visit(visitor, 'https://www.example.com/pricing');
  const submitted = await app.inject({
    method: 'POST',
    url: `/api/public/forms/${form.json().id}/submit`,
    payload: { firstName: 'Vic', lastName: 'Visitor', email: 'vic@example.com' },
    remoteAddress: '10.9.1.1',
    headers: { 'content-type': 'application/json', cookie: `weft_vid=${visitor}` },
  });
  assert.equal(submitted.statusCode, 201, submitted.body);
  const processed = await eventually(
    () =>
      db
        .selectFrom('webFormSubmissions')
        .selectAll()
        .where('id', '=', submitted.json().submissionId)
        .where('status', '=', 'processed')
        .executeTakeFirst(),
    'the submission to be processed',
  );
  assert.equal(processed.visitorId, visitor);
  const contactId = processed.contactId;
  assert.ok(contactId);
  const views = await db
    .selectFrom('webActivity')
    .select(['url', 'module', 'recordId'])
    .where('visitorId', '=', visitor)
    .orderBy('id')
    .execute();
  assert.deepEqual(
    views.map((view) => [view.url, view.module, view.recordId]),
    [
      ['https://www.example.com/', 'contacts', contactId],
      ['https://www.example.com/pricing', 'contacts', contactId],
    ],
    'the page views from before the form are on the contact',
  );
  const later = await visit(visitor, 'https://www.example.com/thanks');
  assert.equal(later.json().recognised, true, 'recognised from now on');
  const shown = await admin.request('GET', `/api/marketing/records/contacts/${contactId}/web-activity`);
  assert.equal(shown.statusCode, 200, shown.body);
  assert.equal(shown.json().items.length, 3);

  // The embed script sends the cookie's value as a field (the form posts cross-site); a value
  // that is not a visitor id is ignored.
  const second = (await visit(null, 'https://www.example.com/blog')).json().visitor as string;
  const embedded = await app.inject({
    method: 'POST',
    url: `/api/public/forms/${form.json().id}/submit`,
    payload: { firstName: 'Em', lastName: 'Bed', email: 'em@example.com', _weft_vid: second },
    remoteAddress: '10.9.1.2',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(embedded.statusCode, 201, embedded.body);
  await eventually(
    () =>
      db
        .selectFrom('webActivity')
        .select('recordId')
        .where('visitorId', '=', second)
        .where('recordId', 'is not', null)
        .executeTakeFirst(),
    'the embedded form to identify its visitor',
  );
  const junk = await app.inject({
    method: 'POST',
    url: `/api/public/forms/${form.json().id}/submit`,
    payload: { firstName: 'J', lastName: 'Unk', email: 'junk@example.com' },
    remoteAddress: '10.9.1.3',
    headers: { 'content-type': 'application/json', cookie: 'weft_vid=not-a-uuid' },
  });
  assert.equal(junk.statusCode, 201, junk.body);
});

test('the newsletter subscribe form is rate-limited per IP and per newsletter: 429 with Retry-After', async () => {
  const created = await admin.request('POST', '/api/marketing/newsletters', { name: 'Weekly' });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;
  const subscribe = (email: string, ip: string) =>
    app.inject({
      method: 'POST',
      url: `/api/t/subscribe/${id}`,
      payload: { email },
      remoteAddress: ip,
      headers: { 'content-type': 'application/json' },
    });
  const answers: number[] = [];
  for (let i = 0; i < 11; i++) answers.push((await subscribe(`s${i}@example.com`, '10.7.0.1')).statusCode);
  assert.deepEqual(answers, [...Array(10).fill(200), 429]);
  const refused = await subscribe('late@example.com', '10.7.0.1');
  assert.equal(refused.statusCode, 429);
  assert.ok(Number(refused.headers['retry-after']) >= 1, String(refused.headers['retry-after']));
  assert.equal(refused.json().error.code, 'WEFT_ERR_RATE_LIMITED');
  assert.equal(
    (await subscribe('other@example.com', '10.7.0.2')).statusCode,
    200,
    'another address is not held back',
  );
  const stored = await db
    .selectFrom('newsletterSubscribers')
    .select('address')
    .where('newsletterId', '=', id)
    .execute();
  assert.equal(stored.length, 11, 'nothing written for a refused request');
  // The newsletter's own limit: as though 300 had subscribed this minute from everywhere.
  await sql`update rate_limits set hits = 300 where key = ${`newsletter:${id}`}`.execute(db);
  assert.equal((await subscribe('more@example.com', '10.7.0.3')).statusCode, 429);
});
