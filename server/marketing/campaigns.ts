import { type Expression, type SqlBool, sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Settings } from '../../schemas/settings.ts';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import type { LaunchSummary } from '../db/types.ts';
import { conflict, invalid, notFound, WeftError } from '../platform/errors.ts';
import { queryFieldsOf } from '../records/record-list.ts';
import { compileWhere } from '../records/record-query.ts';
import { columnName } from '../studio/fields.ts';
import { getModule } from '../studio/modules.ts';
import { enqueueBatch } from './delivery-queue.ts';

/**
 * Campaigns: a list (static or dynamic) or a newsletter, a template, a sender and a
 * schedule. Launching writes one `marketing_messages` row per recipient (unique per
 * campaign and address: nobody is queued twice) in one statement, leaving out who asked
 * not to be emailed, and enqueues the first delivery batch in the same transaction.
 */

export interface CampaignInput {
  name: string;
  listId?: string | null;
  newsletterId?: string | null;
  templateId: string;
  accountId?: string | null;
  scheduledAt?: string | null;
}

const columns = [
  'id',
  'name',
  'listId',
  'newsletterId',
  'templateId',
  'accountId',
  'status',
  'scheduledAt',
  'launchedAt',
  'finishedAt',
  'summary',
  'createdBy',
  'createdAt',
] as const;

async function checkRefs(db: Db, input: Partial<CampaignInput>) {
  if (input.templateId) {
    const found = await db
      .selectFrom('emailTemplates')
      .select('id')
      .where('id', '=', input.templateId)
      .executeTakeFirst();
    if (!found) throw invalid('templateId', 'is not a template');
  }
  if (input.listId) {
    const found = await db.selectFrom('lists').select('id').where('id', '=', input.listId).executeTakeFirst();
    if (!found) throw invalid('listId', 'is not a list');
  }
  if (input.newsletterId) {
    const found = await db
      .selectFrom('newsletters')
      .select('id')
      .where('id', '=', input.newsletterId)
      .executeTakeFirst();
    if (!found) throw invalid('newsletterId', 'is not a newsletter');
  }
  if (input.accountId) {
    const found = await db
      .selectFrom('emailAccounts')
      .select('id')
      .where('id', '=', input.accountId)
      .executeTakeFirst();
    if (!found) throw invalid('accountId', 'is not an email account');
  }
}

export async function createCampaign(db: Db, userId: string | null, input: CampaignInput) {
  if (Boolean(input.listId) === Boolean(input.newsletterId))
    throw invalid('listId', 'give either a list or a newsletter');
  await checkRefs(db, input);
  return db
    .insertInto('campaigns')
    .values({
      name: input.name,
      listId: input.listId ?? null,
      newsletterId: input.newsletterId ?? null,
      templateId: input.templateId,
      accountId: input.accountId ?? null,
      scheduledAt: input.scheduledAt ?? null,
      createdBy: userId,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
}

export async function updateCampaign(db: Db, id: string, patch: Partial<CampaignInput>) {
  const current = await getCampaignRow(db, id);
  if (current.status !== 'draft')
    throw new WeftError('UNPROCESSABLE', 'a launched campaign cannot be changed');
  await checkRefs(db, patch);
  return db
    .updateTable('campaigns')
    .set(patch)
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirstOrThrow();
}

async function getCampaignRow(db: Db, id: string) {
  const row = await db.selectFrom('campaigns').select(columns).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Campaign');
  return row;
}

/** How many recipients are in each state. */
export async function campaignProgress(db: Db, id: string) {
  const rows = await db
    .selectFrom('marketingMessages')
    .select(['state', (eb) => eb.fn.countAll<string>().as('count')])
    .where('campaignId', '=', id)
    .groupBy('state')
    .execute();
  const counts: Record<string, number> = Object.fromEntries(
    rows.map((row) => [row.state, Number(row.count)]),
  );
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const pending = (counts.queued ?? 0) + (counts.sending ?? 0);
  return { total, pending, done: total - pending, counts };
}

export async function getCampaign(db: Db, id: string) {
  const row = await getCampaignRow(db, id);
  return { ...row, progress: await campaignProgress(db, id) };
}

export async function listCampaigns(db: Db) {
  const rows = await db
    .selectFrom('campaigns')
    .select(columns)
    .orderBy('createdAt', 'desc')
    .limit(500)
    .execute();
  return { items: rows };
}

/** Opens, clicks and unsubscribes per time bucket (the campaign's chart), first ones per mail. */
export async function campaignActivity(db: Db, id: string, bucket: 'minute' | 'hour' | 'day') {
  await getCampaignRow(db, id);
  const rows = await sql<{ at: Date; kind: string; count: string }>`
    select date_trunc(${bucket}, at) as at, kind, count(distinct message_id) as count
    from marketing_events where campaign_id = ${id}
    group by 1, 2 order by 1`.execute(db);
  const buckets = new Map<
    string,
    { at: string; open: number; click: number; unsubscribe: number; bounce: number }
  >();
  for (const row of rows.rows) {
    const at = new Date(row.at).toISOString();
    const entry = buckets.get(at) ?? { at, open: 0, click: 0, unsubscribe: 0, bounce: 0 };
    entry[row.kind as 'open'] = Number(row.count);
    buckets.set(at, entry);
  }
  return { bucket, items: [...buckets.values()] };
}

export async function listRecipients(
  db: Db,
  id: string,
  query: { state?: string | undefined; limit: number; after?: string | undefined },
) {
  let select = db
    .selectFrom('marketingMessages')
    .select([
      'id',
      'address',
      'name',
      'module',
      'recordId',
      'state',
      'sentAt',
      'openedAt',
      'clickedAt',
      'lastError',
    ])
    .where('campaignId', '=', id)
    .orderBy('id')
    .limit(query.limit);
  if (query.state) select = select.where('state', '=', query.state as 'sent');
  if (query.after) select = select.where('id', '>', query.after);
  return { items: await select.execute() };
}

/** Recipients of a list: records with an address, minus do-not-email and unsubscribed ones. */
async function queueListRecipients(
  trx: Db,
  campaign: { id: string; listId: string; templateId: string },
  category: string | null,
): Promise<LaunchSummary> {
  const list = await trx
    .selectFrom('lists')
    .select(['module', 'kind', 'criteria'])
    .where('id', '=', campaign.listId)
    .executeTakeFirst();
  if (!list) throw invalid('listId', 'is not a list');
  const module = await getModule(trx, list.module);
  const has = (name: string) => module.fields.some((field) => field.name === name);
  if (!has('email')) throw invalid('listId', `${module.label} have no email field`);
  const membership: Expression<SqlBool> =
    list.kind === 'static'
      ? sql<SqlBool>`id in (select record_id from list_members where list_id = ${campaign.listId})`
      : compileWhere(list.criteria, queryFieldsOf(module));
  const doNotEmail = has('doNotEmail') ? sql`coalesce(do_not_email, false)` : sql`false`;
  const name = sql.join(
    module.displayFields.filter(has).map((field) => sql.id(columnName(field))),
    sql`, `,
  );
  const nameExpr = module.displayFields.some(has) ? sql`nullif(concat_ws(' ', ${name}), '')` : sql`null`;
  return queueMembers(
    trx,
    campaign,
    category,
    sql`select id as record_id, ${module.name}::text as module, lower(trim(email)) as address,
          ${nameExpr} as name, ${doNotEmail} as dne
        from ${sql.table(module.table)} where ${membership}`,
  );
}

async function queueNewsletterRecipients(
  trx: Db,
  campaign: { id: string; newsletterId: string; templateId: string },
  category: string | null,
): Promise<LaunchSummary> {
  // A subscriber that is a contact follows the contact's "do not email".
  return queueMembers(
    trx,
    campaign,
    category,
    sql`select s.record_id, s.module, lower(trim(s.address)) as address, s.name,
          coalesce(c.do_not_email, false) as dne
        from newsletter_subscribers s
        left join rec_contacts c on s.module = 'contacts' and c.id = s.record_id
        where s.newsletter_id = ${campaign.newsletterId} and s.unsubscribed_at is null`,
  );
}

async function queueMembers(
  trx: Db,
  campaign: { id: string; templateId: string; newsletterId?: string | null },
  category: string | null,
  members: ReturnType<typeof sql>,
): Promise<LaunchSummary> {
  const unsubscribed = sql`exists (select 1 from email_unsubscribes u
    where u.address = m.address and (u.category = '*' or u.category = ${category ?? '*'}))`;
  const counts = await sql<{ noAddress: string; dne: string; unsubscribed: string }>`
    with m as (${members})
    select count(*) filter (where address is null or address = '') as no_address,
           count(*) filter (where address <> '' and dne) as dne,
           count(*) filter (where address <> '' and not dne and ${unsubscribed}) as unsubscribed
    from m`.execute(trx);
  const inserted = await sql<{ count: string }>`
    with m as (${members}),
    added as (
      insert into marketing_messages (campaign_id, newsletter_id, template_id, category, module, record_id, address, name)
      select distinct on (address) ${campaign.id}::uuid, ${campaign.newsletterId ?? null}::uuid,
        ${campaign.templateId}::uuid, ${category}, module, record_id, address, name
      from m where address <> '' and not dne and not ${unsubscribed}
      order by address, record_id
      on conflict (campaign_id, address) do nothing
      returning 1)
    select count(*) as count from added`.execute(trx);
  const row = counts.rows[0];
  return {
    queued: Number(inserted.rows[0]?.count ?? 0),
    doNotEmail: Number(row?.dne ?? 0),
    unsubscribed: Number(row?.unsubscribed ?? 0),
    noAddress: Number(row?.noAddress ?? 0),
  };
}

/**
 * Launches a draft campaign now or at its scheduled time: recipients are fixed at launch
 * and delivery starts (or waits for the schedule) through the queue. Launching twice is a 409.
 */
export async function launchCampaign(
  db: Db,
  boss: PgBoss | null,
  settings: Settings,
  id: string,
  options: { at?: string | null } = {},
) {
  if (!boss) throw new WeftError('UNPROCESSABLE', 'campaigns need the queue: this process has none');
  if (!settings.trackingBaseUrl)
    throw new WeftError(
      'UNPROCESSABLE',
      "set trackingBaseUrl in the settings first: every campaign email carries an unsubscribe link to Weft's public address",
    );
  return inTransaction(db, async (trx) => {
    const campaign = await trx
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!campaign) throw notFound('Campaign');
    if (campaign.status !== 'draft')
      throw conflict('status', `is ${campaign.status}: the campaign was launched already`);
    const template = await trx
      .selectFrom('emailTemplates')
      .select('category')
      .where('id', '=', campaign.templateId)
      .executeTakeFirstOrThrow();
    const summary = campaign.listId
      ? await queueListRecipients(trx, { ...campaign, listId: campaign.listId }, template.category)
      : campaign.newsletterId
        ? await queueNewsletterRecipients(
            trx,
            { ...campaign, newsletterId: campaign.newsletterId },
            (
              await trx
                .selectFrom('newsletters')
                .select('category')
                .where('id', '=', campaign.newsletterId)
                .executeTakeFirst()
            )?.category ?? template.category,
          )
        : null;
    if (!summary) throw invalid('listId', 'the campaign has neither a list nor a newsletter');
    const at = options.at ?? (campaign.scheduledAt ? new Date(campaign.scheduledAt).toISOString() : null);
    const later = at !== null && new Date(at).getTime() > Date.now();
    const updated = await trx
      .updateTable('campaigns')
      .set({
        status: later ? 'scheduled' : 'running',
        scheduledAt: at,
        launchedAt: new Date(),
        summary: JSON.stringify(summary),
      })
      .where('id', '=', id)
      .returning(columns)
      .executeTakeFirstOrThrow();
    await enqueueBatch(boss, trx, id, 0, later ? new Date(at) : null);
    return { ...updated, summary };
  });
}

export async function setCampaignPaused(db: Db, boss: PgBoss | null, id: string, paused: boolean) {
  return inTransaction(db, async (trx) => {
    const campaign = await trx
      .selectFrom('campaigns')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!campaign) throw notFound('Campaign');
    if (paused && campaign.status !== 'running' && campaign.status !== 'scheduled')
      throw new WeftError('UNPROCESSABLE', `a ${campaign.status} campaign cannot be paused`);
    if (!paused && campaign.status !== 'paused')
      throw new WeftError('UNPROCESSABLE', 'the campaign is not paused');
    // Resuming bumps the batch, so a job of the paused run finds itself stale.
    const next = campaign.batch + 1;
    await trx
      .updateTable('campaigns')
      .set({ status: paused ? 'paused' : 'running', batch: next })
      .where('id', '=', id)
      .execute();
    if (!paused && boss) await enqueueBatch(boss, trx, id, next, null);
    return getCampaign(trx, id);
  });
}
