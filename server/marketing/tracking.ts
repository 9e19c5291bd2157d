import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import type { MessageState } from '../db/types.ts';
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

/** The state a mail moves to, never back: sent < opened < clicked < unsubscribed. */
const rank: Partial<Record<MessageState, number>> = {
  sent: 1,
  bounced: 1,
  opened: 2,
  clicked: 3,
  unsubscribed: 4,
};
function advance(current: MessageState, next: 'opened' | 'clicked' | 'unsubscribed'): MessageState {
  return (rank[current] ?? 0) < (rank[next] ?? 0) ? next : current;
}

/** An open (the pixel loaded): the first one per mail counts and triggers. */
export async function recordOpen(db: Db, token: string): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const found = await messageForToken(trx, token, 'o');
    if (!found) return false;
    const first = await trx
      .updateTable('marketingMessages')
      .set({
        openedAt: new Date(),
        state: sql`case when state in ('sent', 'bounced') then 'opened' else state end`,
      })
      .where('id', '=', found.message.id)
      .where('openedAt', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!first) return true;
    await trx
      .insertInto('marketingEvents')
      .values({ messageId: found.message.id, campaignId: found.message.campaignId, kind: 'open' })
      .execute();
    await emitEvent(trx, {
      type: 'email.opened',
      module: found.message.module,
      recordId: found.message.recordId,
      payload: eventPayload(found.message),
      actorId: null,
    });
    return true;
  });
}

/**
 * A click: answers the URL to redirect to, which can only be one of the links the mail
 * carried (the token holds its index). A click is also an open.
 */
export async function recordClick(db: Db, token: string): Promise<{ url: string; messageId: string } | null> {
  return inTransaction(db, async (trx) => {
    const found = await messageForToken(trx, token, 'c');
    if (!found) return null;
    const index = Number(found.purpose.slice(1));
    const links = found.message.links;
    const url = Array.isArray(links) ? links[index] : undefined;
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return null;
    const message = found.message;
    const before = await trx
      .selectFrom('marketingEvents')
      .select('id')
      .where('messageId', '=', message.id)
      .where('kind', '=', 'click')
      .where('url', '=', url)
      .limit(1)
      .executeTakeFirst();
    await trx
      .updateTable('marketingMessages')
      .set({
        openedAt: sql`coalesce(opened_at, now())`,
        clickedAt: sql`coalesce(clicked_at, now())`,
        state: advance(message.state, 'clicked'),
      })
      .where('id', '=', message.id)
      .execute();
    await trx
      .insertInto('marketingEvents')
      .values({ messageId: message.id, campaignId: message.campaignId, kind: 'click', url })
      .execute();
    if (!before) {
      await emitEvent(trx, {
        type: 'email.clicked',
        module: message.module,
        recordId: message.recordId,
        payload: eventPayload(message, { url }),
        actorId: null,
      });
    }
    return { url, messageId: message.id };
  });
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

/** Every marketing mail sent about a record, newest first, with its tracking state (the record's email log). */
export async function emailsOfRecord(db: Db, module: string, recordId: string) {
  const items = await db
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
  return { items };
}
