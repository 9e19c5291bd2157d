import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { emitEvent } from '../platform/events.ts';
import { signingKey, verifyToken } from './keys.ts';

/**
 * What comes back from a mail: opens, clicks, unsubscribes. Each endpoint takes a signed
 * token (keys.ts) naming one mail and one purpose; a token that does not verify is
 * treated as unknown (404), whatever it says. The first open, the first click of each
 * link and an unsubscribe emit an event on the mail's record (`email.opened`,
 * `email.clicked`, `email.unsubscribed`) for flows' triggers.
 */

const messageColumns = [
  'id',
  'campaignId',
  'newsletterId',
  'templateId',
  'category',
  'module',
  'recordId',
  'address',
  'state',
  'links',
  'openedAt',
  'clickedAt',
  'unsubscribedAt',
] as const;

export async function messageForToken(db: Db, token: string, purpose: 'o' | 'u' | 'c') {
  const verified = verifyToken(await signingKey(db), token);
  if (!verified || verified.purpose[0] !== purpose) return null;
  const message = await db
    .selectFrom('marketingMessages')
    .select(messageColumns)
    .where('id', '=', verified.messageId)
    .executeTakeFirst();
  if (!message) return null;
  return { message, purpose: verified.purpose };
}

type Message = NonNullable<Awaited<ReturnType<typeof messageForToken>>>['message'];

function eventPayload(message: Message, extra: Record<string, unknown> = {}) {
  return {
    messageId: message.id,
    campaignId: message.campaignId,
    newsletterId: message.newsletterId,
    templateId: message.templateId,
    address: message.address,
    ...extra,
  };
}

/** What a tracking event carries for flows (the trigger's `trigger.*`), built in SQL from the mail's row. */
const payloadSql = (extra: ReturnType<typeof sql> = sql`'{}'::jsonb`) => sql`jsonb_build_object(
  'messageId', id, 'campaignId', campaign_id, 'newsletterId', newsletter_id,
  'templateId', template_id, 'address', address) || ${extra}`;

/**
 * Group commit for the tracking endpoints: requests that arrive while a batch's statement
 * is running wait for the next one, which writes all of them in one statement and one
 * commit. Each request still answers only once its own write has committed (nothing is
 * acknowledged and then lost), but the database sees one transaction for many requests:
 * that, not the HTTP handling, is what a pixel or a click costs. Up to `lanes` batches are
 * under way at once (each on a connection of its own): a request that arrives while one
 * batch waits for its commit goes out at once with the others of its turn of the event
 * loop, rather than waiting for that commit and then for its own batch's.
 */
export function batcher<I, O>(write: (items: I[]) => Promise<O[]>, { max = 500, lanes = 1 } = {}) {
  let queue: { item: I; resolve: (out: O) => void; reject: (error: unknown) => void }[] = [];
  let running = 0;
  let scheduled = false;
  const run = async () => {
    running++;
    while (queue.length > 0) {
      const batch = queue.slice(0, max);
      queue = queue.slice(batch.length);
      try {
        const out = await write(batch.map((entry) => entry.item));
        batch.forEach((entry, index) => {
          entry.resolve(out[index] as O);
        });
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    running--;
  };
  const start = () => {
    scheduled = false;
    if (queue.length > 0 && running < lanes) void run();
  };
  return (item: I) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // The requests of this turn of the event loop go together, on a free lane (a busy
      // lane takes what waits once its batch is done).
      if (!scheduled && running < lanes) {
        scheduled = true;
        setImmediate(start);
      }
    });
}

/**
 * The tracking writes of one database handle that touch the same mails, one after the
 * other, in the order they started: an open and a click of one mail arriving together are
 * written in that order (a click is also an open: the click first would leave the pixel's
 * open uncounted), and two clicks of one link never both see themselves as the first.
 * Writes of other mails run alongside. Each statement locks its mails in id order, so two
 * that do meet (another process's) wait rather than deadlock; PostgreSQL's deadlock abort is
 * still tried again once.
 */
const inFlight = new WeakMap<object, Map<string, Promise<unknown>>>();
function byMail<T>(db: Db, ids: readonly string[], write: () => Promise<T>): Promise<T> {
  let busy = inFlight.get(db);
  if (!busy) {
    busy = new Map();
    inFlight.set(db, busy);
  }
  const earlier = new Set<Promise<unknown>>();
  for (const id of ids) {
    const pending = busy.get(id);
    if (pending) earlier.add(pending);
  }
  const attempt = async () => {
    try {
      return await write();
    } catch (error) {
      if ((error as { code?: unknown }).code !== '40P01') throw error;
      return write();
    }
  };
  const mine = earlier.size === 0 ? attempt() : Promise.all(earlier).then(attempt);
  const settled = mine.then(
    () => {},
    () => {},
  );
  const map = busy;
  for (const id of ids) map.set(id, settled);
  void settled.then(() => {
    for (const id of ids) if (map.get(id) === settled) map.delete(id);
  });
  return mine;
}

/** One batcher per database handle (the app's pool; a test's own handle gets its own). */
function perDb<I, O>(make: (db: Db) => (item: I) => Promise<O>) {
  const made = new WeakMap<object, (item: I) => Promise<O>>();
  return (db: Db) => {
    let add = made.get(db);
    if (!add) {
      add = make(db);
      made.set(db, add);
    }
    return add;
  };
}

/**
 * Batches of opens, and of clicks, under way at once per database handle: one of each
 * (an open batch and a click batch run side by side). bench:campaigns on the loaded machine,
 * back to back: two lanes made smaller batches, 0.26-0.27 statements per request against
 * 0.18, and more CPU per request (Weft and PostgreSQL), for no steadier tail.
 */
const trackingLanes = 1;

/**
 * Opens (the pixel loaded), a batch at a time: the first one per mail counts and triggers;
 * every open after it changes nothing (and locks nothing). Answers, per mail id, whether
 * the mail exists. The batch's ids are one jsonb parameter, looked up as `= any(array(…))`
 * (see the clicks' statement).
 */
const opens = perDb((db) =>
  batcher<string, boolean>(
    async (ids) => {
      const { rows } = await byMail(db, ids, () =>
        sql<{ id: string }>`
        with found as (
          select id from marketing_messages
          where id = any(array(select value::uuid from jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)))),
        target as materialized (
          select id from marketing_messages where id = any(array(select id from found)) and opened_at is null
          order by id for no key update),
        opened as (
          update marketing_messages m
          set opened_at = now(), state = case when m.state in ('sent', 'bounced') then 'opened' else m.state end
          from target where m.id = target.id
          returning m.id, m.campaign_id, m.newsletter_id, m.template_id, m.module, m.record_id, m.address),
        logged as (insert into marketing_events (message_id, campaign_id, kind) select id, campaign_id, 'open' from opened),
        evented as (
          insert into events (type, module, record_id, payload)
          select 'email.opened', module, record_id, ${payloadSql()} from opened)
        select id from found`.execute(db),
      );
      const found = new Set(rows.map((row) => row.id));
      return ids.map((id) => found.has(id));
    },
    { lanes: trackingLanes },
  ),
);

/** An open of the mail a pixel token names; false for a token that does not verify or an unknown mail. */
export async function recordOpen(db: Db, token: string): Promise<boolean> {
  const verified = verifyToken(await signingKey(db), token);
  if (verified?.purpose !== 'o') return false;
  return opens(db)(verified.messageId);
}

/**
 * Clicks, a batch at a time: each answers the URL to redirect to, which can only be one of
 * the links its mail carried (the token holds its index) and only an http(s) one. A click
 * is also an open. Every click is logged; the first click of each link triggers. The mail's
 * row is written only when a click changes it (its first click, or the first after an open).
 * (No `*` and no regular expression in the text: it is sent as a prepared statement,
 * server/db/prepared.ts. The batch is a jsonb parameter and the mails are looked up by
 * `id = any(array(…))`: PostgreSQL then settles on one generic plan that reads them through
 * the primary key, where an array parameter's length, different in every batch, had it plan
 * each batch anew, which took longer than running it.)
 */
const clicks = perDb((db) =>
  batcher<{ id: string; index: number }, string | null>(
    async (items) => {
      const ids = items.map((item) => item.id);
      const batch = JSON.stringify(items.map((item) => [item.id, item.index]));
      const { rows } = await byMail(db, ids, () =>
        sql<{ n: number; url: string }>`
        with input as (
          select (i.item ->> 0)::uuid as id, (i.item ->> 1)::int as idx, i.n
          from jsonb_array_elements(${batch}::jsonb) with ordinality as i(item, n)),
        mails as (
          select m.id, m.links from marketing_messages m
          where m.id = any(array(select (e.item ->> 0)::uuid from jsonb_array_elements(${batch}::jsonb) as e(item)))),
        target as (
          select i.n, m.id, m.links ->> i.idx as url from input i join mails m on m.id = i.id
          where starts_with(lower(m.links ->> i.idx), 'http://') or starts_with(lower(m.links ->> i.idx), 'https://')),
        locked as materialized (
          select m.id, m.campaign_id, m.newsletter_id, m.template_id, m.module, m.record_id, m.address,
            m.opened_at, m.clicked_at, m.state
          from marketing_messages m where m.id = any(array(select t.id from target t))
          order by m.id for no key update),
        first as (
          select distinct on (t.id, t.url) t.id, t.url from target t where not exists (
            select 1 from marketing_events e where e.message_id = t.id and e.kind = 'click' and e.url = t.url)),
        clicked as (
          update marketing_messages m set
            opened_at = coalesce(m.opened_at, now()), clicked_at = coalesce(m.clicked_at, now()),
            state = case when m.state in ('sent', 'bounced', 'opened') then 'clicked' else m.state end
          from locked l where m.id = l.id
            and (l.opened_at is null or l.clicked_at is null or l.state in ('sent', 'bounced', 'opened'))
          returning m.id),
        logged as (
          insert into marketing_events (message_id, campaign_id, kind, url)
          select l.id, l.campaign_id, 'click', t.url from locked l join target t on t.id = l.id),
        evented as (
          insert into events (type, module, record_id, payload)
          select 'email.clicked', l.module, l.record_id, jsonb_build_object(
            'messageId', l.id, 'campaignId', l.campaign_id, 'newsletterId', l.newsletter_id,
            'templateId', l.template_id, 'address', l.address, 'url', f.url)
          from locked l join first f on f.id = l.id)
        select n, url from target`.execute(db),
      );
      const urls = new Map(rows.map((row) => [Number(row.n), row.url]));
      return items.map((_item, index) => urls.get(index + 1) ?? null);
    },
    { lanes: trackingLanes },
  ),
);

export async function recordClick(db: Db, token: string): Promise<{ url: string; messageId: string } | null> {
  const verified = verifyToken(await signingKey(db), token);
  if (verified?.purpose[0] !== 'c') return null;
  const url = await clicks(db)({ id: verified.messageId, index: Number(verified.purpose.slice(1)) });
  return url ? { url, messageId: verified.messageId } : null;
}

/**
 * Unsubscribes the mail's own address (never another: the token names the mail) from
 * everything (`all`) or from some categories. A newsletter's mail also ends the
 * newsletter subscription.
 */
export async function unsubscribe(
  db: Db,
  token: string,
  choice: { all: boolean; categories: string[] },
): Promise<{ address: string; categories: string[] } | null> {
  return inTransaction(db, async (trx) => {
    const found = await messageForToken(trx, token, 'u');
    if (!found) return null;
    const message = found.message;
    const categories = choice.all ? ['*'] : [...new Set(choice.categories)];
    if (categories.length === 0) return { address: message.address, categories };
    const address = message.address.toLowerCase();
    await trx
      .insertInto('emailUnsubscribes')
      .values(categories.map((category) => ({ address, category })))
      .onConflict((oc) => oc.columns(['address', 'category']).doNothing())
      .execute();
    if (message.newsletterId && (choice.all || (message.category && categories.includes(message.category)))) {
      await trx
        .updateTable('newsletterSubscribers')
        .set({ unsubscribedAt: new Date() })
        .where('newsletterId', '=', message.newsletterId)
        .where(sql`lower(address)`, '=', address)
        .where('unsubscribedAt', 'is', null)
        .execute();
    }
    const first = await trx
      .updateTable('marketingMessages')
      .set({ unsubscribedAt: new Date(), state: 'unsubscribed' })
      .where('id', '=', message.id)
      .where('unsubscribedAt', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (first) {
      await trx
        .insertInto('marketingEvents')
        .values({ messageId: message.id, campaignId: message.campaignId, kind: 'unsubscribe' })
        .execute();
      await emitEvent(trx, {
        type: 'email.unsubscribed',
        module: message.module,
        recordId: message.recordId,
        payload: eventPayload(message, { categories }),
        actorId: null,
      });
    }
    return { address, categories };
  });
}

/** Whether an address may receive mail of a category (not unsubscribed from it or from all). */
export async function mayEmail(db: Db, address: string, category: string | null): Promise<boolean> {
  const row = await db
    .selectFrom('emailUnsubscribes')
    .select('category')
    .where('address', '=', address.trim().toLowerCase())
    .where('category', 'in', category ? ['*', category] : ['*'])
    .executeTakeFirst();
  return row === undefined;
}

/** Which of these addresses unsubscribed from all email. */
export async function unsubscribedFromAll(db: Db, addresses: string[]): Promise<string[]> {
  if (addresses.length === 0) return [];
  const rows = await db
    .selectFrom('emailUnsubscribes')
    .select('address')
    .where('category', '=', '*')
    .where(
      'address',
      'in',
      addresses.map((address) => address.toLowerCase()),
    )
    .execute();
  return rows.map((row) => row.address);
}

/** Whether a record was sent a mail that was opened, optionally of a campaign or template, within a window. */
export async function earlierEmailOpened(
  db: Db,
  query: {
    module: string;
    recordId: string;
    campaignId?: string;
    templateId?: string;
    withinSeconds?: number;
  },
): Promise<boolean> {
  let select = db
    .selectFrom('marketingMessages')
    .select('id')
    .where('module', '=', query.module)
    .where('recordId', '=', query.recordId)
    .where('openedAt', 'is not', null);
  if (query.campaignId) select = select.where('campaignId', '=', query.campaignId);
  if (query.templateId) select = select.where('templateId', '=', query.templateId);
  if (query.withinSeconds)
    select = select.where('openedAt', '>=', new Date(Date.now() - query.withinSeconds * 1000));
  return (await select.limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Every email sent about a record, newest first: marketing mail with its tracking state,
 * and flows' mail from the outbox (its delivery state; flows' mail carries no tracking).
 */
export async function emailsOfRecord(db: Db, module: string, recordId: string) {
  const marketing = await db
    .selectFrom('marketingMessages')
    .leftJoin('campaigns', 'campaigns.id', 'marketingMessages.campaignId')
    .select([
      'marketingMessages.id',
      'marketingMessages.campaignId',
      'campaigns.name as campaignName',
      'marketingMessages.templateId',
      'marketingMessages.subject',
      'marketingMessages.address',
      'marketingMessages.state',
      'marketingMessages.createdAt',
      'marketingMessages.sentAt',
      'marketingMessages.openedAt',
      'marketingMessages.clickedAt',
      'marketingMessages.unsubscribedAt',
      'marketingMessages.bouncedAt',
    ])
    .where('marketingMessages.module', '=', module)
    .where('marketingMessages.recordId', '=', recordId)
    .orderBy('marketingMessages.createdAt', 'desc')
    .limit(200)
    .execute();
  const outbox = await db
    .selectFrom('emailOutbox')
    .select(['id', 'subject', 'to', 'status', 'createdAt', 'sentAt', 'runId'])
    .where('module', '=', module)
    .where('recordId', '=', recordId)
    .orderBy('createdAt', 'desc')
    .limit(200)
    .execute();
  const items = [
    ...marketing.map((mail) => ({ source: 'marketing' as const, ...mail })),
    ...outbox.map((mail) => ({
      source: 'flow' as const,
      id: mail.id,
      campaignId: null,
      campaignName: null,
      templateId: null,
      subject: mail.subject,
      address: mail.to.join(', '),
      state: mail.status,
      createdAt: mail.createdAt,
      sentAt: mail.sentAt,
      openedAt: null,
      clickedAt: null,
      unsubscribedAt: null,
      bouncedAt: null,
    })),
  ].sort((a, b) => new Date(b.createdAt).getTime() - new Date(a.createdAt).getTime());
  return { items: items.slice(0, 200) };
}
