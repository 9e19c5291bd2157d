import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Settings } from '../../schemas/settings.ts';
import type { Db } from '../db/index.ts';
import type { SettingsService } from '../platform/settings.ts';
import { columnName, recordsDb } from '../studio/fields.ts';
import { findModule } from '../studio/modules.ts';
import { pooledTransport, senderFor } from './accounts.ts';
import { trackMail } from './compose.ts';
import { type CampaignJob, campaignQueue, enqueueBatch, ensureCampaignQueue } from './delivery-queue.ts';
import { signingKey } from './keys.ts';
import { renderTemplate } from './templates.ts';

/**
 * Campaign delivery, one batch per job at the admin's bulk limit (N per interval; with no
 * limit, batches of `unlimitedBatch` one after another).
 *
 * Nobody is mailed twice, whatever stops the process: a batch first marks its recipients
 * `sending` and commits, then talks SMTP, then settles each as `sent` or `failed`. A batch
 * that runs again (the process died mid-way) finds those still `sending` and marks them
 * `failed` ("interrupted") instead of sending again: at most once, and the state says
 * which few may not have gone. The next batch's job is written in the transaction that
 * closes this one, and carries the batch number: a stale or duplicate job does nothing.
 */

const unlimitedBatch = 500;
/** How many mails of a batch are marked attempted, sent and settled together. */
const chunkSize = 20;
/** Chunks sent at once: at most lanes × chunkSize mails are of unknown fate when a process dies. */
const lanes = 2;
/** SMTP connections of a batch (most servers take ten from one client). */
const smtpConnections = 8;

interface Recipient {
  id: string;
  module: string | null;
  recordId: string | null;
  address: string;
  name: string | null;
}

/** Records by id, with field names as the API and templates know them. */
async function recordsOf(
  db: Db,
  moduleName: string,
  ids: string[],
): Promise<Map<string, Record<string, unknown>>> {
  const module = await findModule(db, moduleName);
  if (!module || ids.length === 0) return new Map();
  const rows = await recordsDb(db)
    .selectFrom(module.table)
    .selectAll()
    .where(sql`id = any(${ids}::uuid[])` as never)
    .execute();
  const names: [string, string][] = [
    ['id', 'id'],
    ['created_at', 'createdAt'],
    ['updated_at', 'updatedAt'],
    ['assigned_to', 'assignedTo'],
    ...module.fields.map((field): [string, string] => [columnName(field.name), field.name]),
  ];
  return new Map(
    rows.map((row: Record<string, unknown>) => [
      String(row.id),
      {
        module: moduleName,
        ...Object.fromEntries(names.filter(([c]) => c in row).map(([c, f]) => [f, row[c]])),
      },
    ]),
  );
}

type Outcome = {
  id: string;
  state: 'sent' | 'failed';
  messageId: string;
  subject: string;
  links: string[];
  error: string | null;
};

export async function deliverBatch(db: Db, boss: PgBoss, settingsService: SettingsService, job: CampaignJob) {
  const settings = await settingsService.get({ fresh: true });
  const claim = await db.transaction().execute(async (trx) => {
    const campaign = await trx
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', job.campaignId)
      .forUpdate()
      .executeTakeFirst();
    if (!campaign || campaign.batch !== job.batch) return null;
    if (campaign.status !== 'running' && campaign.status !== 'scheduled') return null;
    if (campaign.status === 'scheduled')
      await trx.updateTable('campaigns').set({ status: 'running' }).where('id', '=', campaign.id).execute();
    // What an earlier attempt of this batch claimed and never tried goes back to the queue;
    // what it tried and did not settle may have gone out, so it is not sent again.
    await trx
      .updateTable('marketingMessages')
      .set({ state: 'queued' })
      .where('campaignId', '=', campaign.id)
      .where('state', '=', 'sending')
      .where('attemptedAt', 'is', null)
      .execute();
    await trx
      .updateTable('marketingMessages')
      .set({
        state: 'failed',
        lastError:
          'interrupted while sending (the process stopped): it may have gone out; not sent again, so that nobody gets it twice',
      })
      .where('campaignId', '=', campaign.id)
      .where('state', '=', 'sending')
      .execute();
    const size = settings.bulkEmailLimit ?? unlimitedBatch;
    const { rows } = await sql<Recipient>`
      update marketing_messages set state = 'sending', batch = ${job.batch}
      where id in (select id from marketing_messages where campaign_id = ${campaign.id} and state = 'queued'
                   order by id limit ${size} for update skip locked)
      returning id, module, record_id, address, name`.execute(trx);
    return { campaign, rows };
  });
  if (!claim) return;
  // The interval runs from the moment this batch starts sending: the next one starts a full interval later.
  const started = Date.now();
  const { campaign, rows } = claim;
  if (rows.length > 0) await sendAll(db, settings, campaign, rows);
  await db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('campaigns')
      .select(['status', 'batch'])
      .where('id', '=', campaign.id)
      .forUpdate()
      .executeTakeFirst();
    if (!current || current.batch !== job.batch || current.status !== 'running') return;
    const left = await trx
      .selectFrom('marketingMessages')
      .select('id')
      .where('campaignId', '=', campaign.id)
      .where('state', '=', 'queued')
      .limit(1)
      .executeTakeFirst();
    if (!left) {
      await trx
        .updateTable('campaigns')
        .set({ status: 'done', finishedAt: new Date(), batch: job.batch + 1 })
        .where('id', '=', campaign.id)
        .execute();
      return;
    }
    await trx
      .updateTable('campaigns')
      .set({ batch: job.batch + 1 })
      .where('id', '=', campaign.id)
      .execute();
    const at = settings.bulkEmailLimit ? new Date(started + settings.bulkEmailIntervalSeconds * 1000) : null;
    await enqueueBatch(boss, trx, campaign.id, job.batch + 1, at && at.getTime() > Date.now() ? at : null);
  });
}

async function sendAll(
  db: Db,
  settings: Settings,
  campaign: { id: string; templateId: string; accountId: string | null; createdBy: string | null },
  rows: Recipient[],
) {
  const template = await db
    .selectFrom('emailTemplates')
    .selectAll()
    .where('id', '=', campaign.templateId)
    .executeTakeFirstOrThrow();
  const sender = await senderFor(db, settings, campaign.accountId ?? settings.bulkEmailAccountId);
  const key = await signingKey(db);
  const user = campaign.createdBy
    ? await db
        .selectFrom('users')
        .select(['id', 'username', 'firstName', 'lastName', 'email', 'title', 'phone'])
        .where('id', '=', campaign.createdBy)
        .executeTakeFirst()
    : undefined;
  const byModule = new Map<string, string[]>();
  for (const row of rows)
    if (row.module && row.recordId)
      byModule.set(row.module, [...(byModule.get(row.module) ?? []), row.recordId]);
  const records = new Map<string, Record<string, unknown>>();
  for (const [module, ids] of byModule)
    for (const [id, record] of await recordsOf(db, module, ids)) records.set(id, record);
  const domain = sender.from.address.split('@')[1] ?? 'weft';
  const now = new Date();
  // One connection per few mails in flight: an SMTP exchange is several round trips, so
  // with four connections most of the batch waited on the network, not on work.
  const transport = sender.smtp ? pooledTransport(sender.smtp, smtpConnections) : null;
  // A few at a time: mark them attempted, send, write what happened. A process that dies
  // mid-batch leaves at most one chunk whose fate is unknown (marked interrupted, never
  // resent); the mails it never tried go back to the queue.
  const send = async (row: Recipient): Promise<Outcome> => {
    const messageId = `<${row.id}@${domain}>`;
    const record = (row.recordId && records.get(row.recordId)) || { email: row.address, name: row.name };
    let subject = template.subject;
    try {
      const rendered = renderTemplate(template, { record, user: user ?? null, now });
      subject = rendered.subject;
      const tracked = trackMail(key, settings.trackingBaseUrl ?? '', row.id, rendered, {
        unsubscribeText: settings.unsubscribeLinkText,
        signature: sender.signature,
      });
      if (!transport)
        throw new Error('no SMTP server is configured (neither an account nor the system settings)');
      await transport.sendMail({
        messageId,
        from: sender.from.name
          ? { name: sender.from.name, address: sender.from.address }
          : sender.from.address,
        to: row.name ? { name: row.name, address: row.address } : row.address,
        subject,
        ...(tracked.text !== null && { text: tracked.text }),
        ...(tracked.html !== null && { html: tracked.html }),
        headers: tracked.headers,
      });
      return { id: row.id, state: 'sent', messageId, subject, links: tracked.links, error: null };
    } catch (error) {
      return {
        id: row.id,
        state: 'failed',
        messageId,
        subject,
        links: [],
        error: String((error as Error).message ?? error),
      };
    }
  };
  try {
    // Two chunks in flight keep the SMTP connections busy while a chunk's outcomes are written.
    const chunks: Recipient[][] = [];
    for (let start = 0; start < rows.length; start += chunkSize)
      chunks.push(rows.slice(start, start + chunkSize));
    let next = 0;
    const lane = async () => {
      for (let chunk = chunks[next++]; chunk; chunk = chunks[next++]) {
        await db
          .updateTable('marketingMessages')
          .set({ attemptedAt: new Date() })
          .where(
            'id',
            'in',
            chunk.map((row) => row.id),
          )
          .execute();
        await settle(db, await Promise.all(chunk.map(send)));
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
  } finally {
    transport?.close();
  }
}

/** Every outcome of a batch in one statement; only rows still `sending` change. */
async function settle(db: Db, outcomes: Outcome[]) {
  await sql`
    update marketing_messages m set
      state = v.state, message_id = v.message_id, subject = v.subject, links = v.links::jsonb,
      last_error = v.error, sent_at = case when v.state = 'sent' then now() end
    from unnest(${outcomes.map((o) => o.id)}::uuid[], ${outcomes.map((o) => o.state)}::text[],
                ${outcomes.map((o) => o.messageId)}::text[], ${outcomes.map((o) => o.subject)}::text[],
                ${outcomes.map((o) => JSON.stringify(o.links))}::text[], ${outcomes.map((o) => o.error)}::text[])
      as v(id, state, message_id, subject, links, error)
    where m.id = v.id and m.state = 'sending'`.execute(db);
}

/**
 * The delivery worker. On start it also re-sends the current batch's job of every running
 * campaign (a no-op when that job exists), so a campaign whose job was lost resumes.
 */
export async function startCampaignWorker(
  boss: PgBoss,
  db: Db,
  settings: SettingsService,
  options: { pollingIntervalSeconds?: number } = {},
): Promise<void> {
  await ensureCampaignQueue(boss);
  await boss.work<CampaignJob>(
    campaignQueue,
    { pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5 },
    async ([job]) => {
      if (job) await deliverBatch(db, boss, settings, job.data);
    },
  );
  const running = await db
    .selectFrom('campaigns')
    .select(['id', 'batch'])
    .where('status', '=', 'running')
    .execute();
  for (const campaign of running)
    await db.transaction().execute((trx) => enqueueBatch(boss, trx, campaign.id, campaign.batch, null));
}
