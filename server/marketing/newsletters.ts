import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { bareAddress, parseAddressList } from '../email/email-transport.ts';
import { hitLimits } from '../forms/rate-limit.ts';
import { conflict, invalid, notFound } from '../platform/errors.ts';
import { columnName, recordsDb } from '../studio/fields.ts';
import { findModule } from '../studio/modules.ts';

/**
 * Newsletters: subscription lists holding contacts (or any record with an email field)
 * and bare addresses. A campaign may go to a newsletter instead of a list.
 */

export async function listNewsletters(db: Db) {
  const items = await db
    .selectFrom('newsletters')
    .select([
      'id',
      'name',
      'category',
      'createdAt',
      (eb) =>
        eb
          .selectFrom('newsletterSubscribers')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('newsletterSubscribers.newsletterId', '=', 'newsletters.id')
          .where('unsubscribedAt', 'is', null)
          .as('subscribers'),
    ])
    .orderBy('name')
    .execute();
  return { items: items.map((item) => ({ ...item, subscribers: Number(item.subscribers ?? 0) })) };
}

export async function createNewsletter(db: Db, input: { name: string; category?: string | null }) {
  const taken = await db
    .selectFrom('newsletters')
    .select('id')
    .where('name', '=', input.name)
    .executeTakeFirst();
  if (taken) throw conflict('name', 'is already the name of a newsletter');
  return db
    .insertInto('newsletters')
    .values({ name: input.name, category: input.category ?? null })
    .returning(['id', 'name', 'category', 'createdAt'])
    .executeTakeFirstOrThrow();
}

export async function deleteNewsletter(db: Db, id: string) {
  const deleted = await db.deleteFrom('newsletters').where('id', '=', id).executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0) throw notFound('Newsletter');
}

export async function listSubscribers(db: Db, id: string) {
  await getNewsletter(db, id);
  const items = await db
    .selectFrom('newsletterSubscribers')
    .select(['address', 'name', 'module', 'recordId', 'createdAt', 'unsubscribedAt'])
    .where('newsletterId', '=', id)
    .orderBy('address')
    .limit(1000)
    .execute();
  return { items };
}

async function getNewsletter(db: Db, id: string) {
  const row = await db.selectFrom('newsletters').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Newsletter');
  return row;
}

export interface Subscriber {
  address?: string | undefined;
  name?: string | null | undefined;
  module?: string | undefined;
  recordId?: string | undefined;
}

/** A record's address and name, for subscribing it. */
async function recordAddress(db: Db, moduleName: string, recordId: string) {
  const module = await findModule(db, moduleName);
  if (!module) throw invalid('module', `"${moduleName}" is not a module`);
  if (!module.fields.some((field) => field.name === 'email'))
    throw invalid('module', `${module.label} have no email field`);
  const names = module.displayFields.filter((name) => module.fields.some((field) => field.name === name));
  const row = await recordsDb(db)
    .selectFrom(module.table)
    .select([
      'email',
      names.length > 0
        ? sql<string>`concat_ws(' ', ${sql.join(names.map((name) => sql.id(columnName(name))))})`.as('name')
        : sql<string>`null`.as('name'),
    ])
    .where('id', '=', recordId)
    .executeTakeFirst();
  if (!row) throw invalid('recordId', `is not a record of ${moduleName}`);
  if (!row.email) throw invalid('recordId', 'has no email address');
  return { address: String(row.email), name: (row.name as string | null) || null };
}

/**
 * Adds subscribers (re-subscribing one who had left); answers how many are new. An address
 * already on the newsletter keeps its row (its record link is filled in when given).
 */
export async function addSubscribers(db: Db, newsletterId: string, subscribers: Subscriber[]) {
  await getNewsletter(db, newsletterId);
  const rows = [];
  for (const [index, subscriber] of subscribers.entries()) {
    const found =
      subscriber.module && subscriber.recordId
        ? await recordAddress(db, subscriber.module, subscriber.recordId)
        : null;
    const given = found?.address ?? subscriber.address ?? '';
    const [entry] = parseAddressList(`subscribers/${index}/address`, given);
    if (!entry) throw invalid(`subscribers/${index}/address`, 'is empty');
    rows.push({
      newsletterId,
      address: bareAddress(entry),
      name: subscriber.name ?? found?.name ?? null,
      module: found ? (subscriber.module ?? null) : null,
      recordId: found ? (subscriber.recordId ?? null) : null,
    });
  }
  const added = await db
    .insertInto('newsletterSubscribers')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['newsletterId', 'address']).doUpdateSet((eb) => ({
        unsubscribedAt: null,
        module: eb.fn.coalesce('excluded.module', 'newsletterSubscribers.module'),
        recordId: eb.fn.coalesce('excluded.recordId', 'newsletterSubscribers.recordId'),
      })),
    )
    .returning(sql<boolean>`xmax = 0`.as('inserted'))
    .execute();
  return { added: added.filter((row) => row.inserted).length, subscribers: rows.length };
}

/** The public subscribe form's limits, a minute each: per address and per newsletter. */
export const subscribeLimits = { perIpPerMinute: 10, perNewsletterPerMinute: 300 };

/**
 * The newsletter's public web form: counted per IP (across newsletters) and per newsletter
 * in PostgreSQL (forms/rate-limit.ts, shared by every process), 429 with Retry-After over
 * either, before anything is written.
 */
export async function subscribeFromWeb(
  db: Db,
  newsletterId: string,
  input: { address: string; name: string | null; ip: string },
  nowMs = Date.now(),
) {
  await hitLimits(
    db,
    [
      { key: `newsletter-ip:${input.ip}`, max: subscribeLimits.perIpPerMinute },
      { key: `newsletter:${newsletterId}`, max: subscribeLimits.perNewsletterPerMinute },
    ],
    nowMs,
  );
  return addSubscribers(db, newsletterId, [{ address: input.address, name: input.name }]);
}
