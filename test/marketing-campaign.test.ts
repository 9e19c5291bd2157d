/**
 * A campaign end to end: a real SMTP sink, the delivery worker on the queue, the app
 * listening on a port, and Debian's Chromium opening one of the mails as a recipient would.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { simpleParser } from 'mailparser';
import { startCampaignWorker } from '../server/marketing/delivery.ts';
import { campaignQueue } from '../server/marketing/delivery-queue.ts';
import { launchChromium } from './helpers/browser.ts';
import { onTestEnd } from './helpers/cleanup.ts';
import { engineTestApp, eventually, straightFlow } from './helpers/engine.ts';
import { startSmtpServer } from './helpers/smtp.ts';

const { app, db, admin, publish } = await engineTestApp();
const boss = app.boss as NonNullable<typeof app.boss>;
const smtp = await startSmtpServer();
const base = await app.listen({ port: 0, host: '127.0.0.1' });
await startCampaignWorker(boss, db, app.settings);
onTestEnd(() => boss.offWork(campaignQueue));

const limit = 120;
const settings = await admin.request('PATCH', '/api/settings', {
  smtpHost: '127.0.0.1',
  smtpPort: smtp.port,
  smtpSecurity: 'none',
  emailFromAddress: 'news@weft.test',
  emailFromName: 'Weft News',
  trackingBaseUrl: base,
  bulkEmailLimit: limit,
  bulkEmailIntervalSeconds: 1,
});
assert.equal(settings.statusCode, 200, settings.body);

// 500 contacts for the campaign (20 of them "do not email") and 30 others it must not reach.
await sql`
  insert into rec_contacts (first_name, last_name, email, lead_source, do_not_email)
  select 'First' || n, 'Last' || n, 'person' || n || '@example.com',
         case when n <= 500 then 'Web' else 'Referral' end, n <= 20
  from generate_series(1, 530) as n`.execute(db);
// Five without an address, which the summary counts apart.
await sql`insert into rec_contacts (first_name, last_name, lead_source) select 'No', 'Mail' || n, 'Web' from generate_series(1, 5) as n`.execute(
  db,
);
const list = await admin.request('POST', '/api/lists', {
  module: 'contacts',
  name: 'Web leads',
  kind: 'dynamic',
  criteria: { '==': [{ var: 'leadSource' }, 'Web'] },
});
assert.equal(list.statusCode, 201, list.body);

const template = await admin.request('POST', '/api/marketing/templates', {
  name: 'Spring offer',
  category: 'Promotions',
  subject: 'Spring offer for {{record.firstName}}',
  html: '<html><body><p>Hello {{record.firstName}} {{record.lastName}},</p><p><a href="https://shop.example.com/spring?a=1&amp;b=2">See the offer</a> or <a href="https://example.org/about">about us</a>.</p></body></html>',
  text: 'Hello {{record.firstName}}, see https://shop.example.com/spring',
});
assert.equal(template.statusCode, 201, template.body);

const campaign = await admin.request('POST', '/api/marketing/campaigns', {
  name: 'Spring',
  listId: list.json().id,
  templateId: template.json().id,
});
assert.equal(campaign.statusCode, 201, campaign.body);
const campaignId = campaign.json().id as string;

// One flow per signal, each writing a comment on the contact, so each run is countable.
const flowOn = (name: string, type: string, params: Record<string, unknown>) =>
  publish(
    straightFlow(name, { type, params: { module: 'contacts', campaignId, ...params } }, [
      ['note', 'record.comment', { text: `${name}: {{trigger.address}}` }],
    ]),
  );
const openedFlow = await flowOn('On open', 'trigger.campaignEmailOpened', {});
const clickedFlow = await flowOn('On click', 'trigger.campaignEmailClicked', { url: 'shop.example.com' });
const unsubscribedFlow = await flowOn('On unsubscribe', 'trigger.campaignUnsubscribed', {});

const received = () => smtp.received.filter((mail) => mail.to.some((to) => to.endsWith('@example.com')));

test('launching queues the list minus do-not-email, and the worker sends them at the bulk limit', async () => {
  const started = Date.now();
  const launched = await admin.request('POST', `/api/marketing/campaigns/${campaignId}/launch`, {});
  assert.equal(launched.statusCode, 200, launched.body);
  assert.deepEqual(launched.json().summary, { queued: 480, doNotEmail: 20, unsubscribed: 0, noAddress: 5 });
  const again = await admin.request('POST', `/api/marketing/campaigns/${campaignId}/launch`, {});
  assert.equal(again.statusCode, 409, 'a campaign launches once');

  // Restart the worker mid-campaign: stop it once the first batch is out, start it again.
  await eventually(async () => received().length >= limit, 'the first batch');
  await boss.offWork(campaignQueue, { wait: true });
  const beforeRestart = received().length;
  assert.ok(beforeRestart < 480, 'the campaign was stopped before its end');
  await startCampaignWorker(boss, db, app.settings);

  const done = await eventually(
    async () => {
      const body = (await admin.request('GET', `/api/marketing/campaigns/${campaignId}`)).json();
      return body.status === 'done' ? body : undefined;
    },
    'the campaign to finish',
    60_000,
  );
  const elapsed = Date.now() - started;
  assert.equal(done.progress.total, 480);
  assert.equal(done.progress.counts.sent, 480, JSON.stringify(done.progress));
  const mails = received();
  assert.equal(mails.length, 480, 'every recipient got one mail');
  const addresses = mails.flatMap((mail) => mail.to);
  assert.equal(new Set(addresses).size, 480, 'nobody got two');
  for (let n = 1; n <= 20; n++)
    assert.ok(!addresses.includes(`person${n}@example.com`), 'do not email holds');
  assert.ok(!addresses.includes('person501@example.com'), 'only the list');
  // 480 at 120 per second is four batches: at least three intervals between them.
  assert.ok(elapsed >= 3000, `sent in ${elapsed} ms, faster than the limit allows`);
  // The limit: each batch holds at most `limit` mails, and starts a full interval after the one before.
  const batches = await sql<{ batch: number; n: string; first: Date }>`
    select batch, count(*) as n, min(attempted_at) as first from marketing_messages
    where campaign_id = ${campaignId} group by batch order by batch`.execute(db);
  assert.ok(batches.rows.length >= 4, JSON.stringify(batches.rows));
  for (const [index, row] of batches.rows.entries()) {
    assert.ok(Number(row.n) <= limit, `batch ${row.batch} sent ${row.n}`);
    const before = batches.rows[index - 1];
    if (before) {
      const gap = new Date(row.first).getTime() - new Date(before.first).getTime();
      assert.ok(gap >= 990, `batch ${row.batch} started ${gap} ms after the one before`);
    }
  }
});

test('a mail carries tracked links, a pixel, an unsubscribe link and RFC 8058 headers', async () => {
  const mail = received().find((m) => m.to.includes('person42@example.com'));
  assert.ok(mail);
  const parsed = await simpleParser(mail.raw);
  assert.equal(parsed.subject, 'Spring offer for First42');
  assert.match(mail.raw, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
  assert.match(mail.raw, /^List-Unsubscribe:\s+<http:\/\/127\.0\.0\.1:\d+\/api\/t\/u\/[^>]+>/m);
  const html = String(parsed.html);
  assert.ok(!html.includes('shop.example.com'), 'links go through the click endpoint');
  assert.match(html, /\/api\/t\/o\/[^"]+"/);
  assert.match(String(parsed.text), /Unsubscribe: http/);
});

test('Chromium opens the mail: the pixel loads, a click lands on the link, unsubscribing one category works', async () => {
  const mail = received().find((m) => m.to.includes('person77@example.com'));
  assert.ok(mail);
  const html = String((await simpleParser(mail.raw)).html);
  const browser = await launchChromium();
  onTestEnd(() => browser.close());
  const page = await browser.newPage();
  const pixels: number[] = [];
  page.on('response', (response) => {
    if (response.url().includes('/api/t/o/')) pixels.push(response.status());
  });
  // The shop does not exist here: answer its request in the browser, and note where the redirect led.
  await page.route('https://shop.example.com/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Shop</h1>' }),
  );
  // The mail as a web mail client shows it: its HTML, loaded from Weft's origin so images may load.
  await page.route(`${base}/mail-preview`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: html }),
  );
  await page.goto(`${base}/mail-preview`);
  await eventually(async () => pixels.length > 0, 'the pixel request');
  assert.deepEqual(pixels, [200]);
  await page.getByRole('link', { name: 'See the offer' }).click();
  await page.waitForURL('https://shop.example.com/**');
  assert.equal(page.url(), 'https://shop.example.com/spring?a=1&b=2');

  await page.goto(`${base}/mail-preview`);
  await page.getByRole('link', { name: 'Unsubscribe' }).click();
  await page.getByText('Choose what you no longer want to receive').waitFor();
  await page.getByLabel('Promotions').check();
  await page.getByRole('button', { name: 'Unsubscribe' }).click();
  await page.getByRole('heading', { name: 'Unsubscribed' }).waitFor();
  assert.match(String(await page.locator('body').textContent()), /person77@example\.com: Promotions/);

  const unsubscribed = await db.selectFrom('emailUnsubscribes').selectAll().execute();
  assert.deepEqual(
    unsubscribed.map((row) => [row.address, row.category]),
    [['person77@example.com', 'Promotions']],
  );
  const row = await db
    .selectFrom('marketingMessages')
    .selectAll()
    .where('address', '=', 'person77@example.com')
    .executeTakeFirstOrThrow();
  assert.equal(row.state, 'unsubscribed');
  assert.ok(row.openedAt && row.clickedAt && row.unsubscribedAt);
});

test('the flows on opened, clicked and unsubscribed each ran once, on the right contact', async () => {
  // The mail was opened twice (two page loads) and its link clicked once: first opens count.
  for (const flowId of [openedFlow, clickedFlow, unsubscribedFlow]) {
    const runs = await eventually(async () => {
      const rows = await db
        .selectFrom('flowRuns')
        .select(['status', 'recordId'])
        .where('flowId', '=', flowId)
        .execute();
      return rows.length > 0 && rows.every((run) => run.status === 'succeeded') ? rows : undefined;
    }, `the run of flow ${flowId}`);
    assert.equal(runs.length, 1);
    const contact = await sql<{
      email: string;
    }>`select email from rec_contacts where id = ${runs[0]?.recordId}`.execute(db);
    assert.equal(contact.rows[0]?.email, 'person77@example.com');
  }
});

test('progress, the chart data and the record email log show what came back', async () => {
  const activity = await admin.request(
    'GET',
    `/api/marketing/campaigns/${campaignId}/activity?bucket=minute`,
  );
  assert.equal(activity.statusCode, 200, activity.body);
  const totals = activity.json().items.reduce(
    (sum: Record<string, number>, item: Record<string, number>) => ({
      open: (sum.open ?? 0) + (item.open ?? 0),
      click: (sum.click ?? 0) + (item.click ?? 0),
      unsubscribe: (sum.unsubscribe ?? 0) + (item.unsubscribe ?? 0),
    }),
    {},
  );
  assert.deepEqual(totals, { open: 1, click: 1, unsubscribe: 1 });
  const detail = (await admin.request('GET', `/api/marketing/campaigns/${campaignId}`)).json();
  assert.equal(detail.progress.counts.unsubscribed, 1);
  assert.equal(detail.progress.counts.sent, 479);
  const contact = await sql<{
    id: string;
  }>`select id from rec_contacts where email = 'person77@example.com'`.execute(db);
  const log = await admin.request('GET', `/api/marketing/records/contacts/${contact.rows[0]?.id}/emails`);
  assert.equal(log.statusCode, 200, log.body);
  assert.equal(log.json().items.length, 1);
  assert.equal(log.json().items[0].state, 'unsubscribed');
  assert.equal(log.json().items[0].campaignName, 'Spring');
});
