import { randomBytes } from 'node:crypto';
import type { FromSchema } from 'json-schema-to-ts';
import type { PgBoss } from 'pg-boss';
import { signWebhook, webhookHeaders } from '../../connectors/webhook.ts';
import { inTransaction as bossTransaction } from '../../engine/runtime/jobs.ts';
import type { hookSubscriptionBody, hookSubscriptionPatch } from '../../schemas/outbound-hooks.ts';
import type { Db } from '../db/index.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { notFound, WeftError } from '../platform/errors.ts';
import { guardedFetch } from '../platform/http-client.ts';
import type { SettingsService } from '../platform/settings.ts';

export const hooksQueue = 'weft.hooks.deliver';
const timeoutMs = 10_000;

type SubscriptionBody = FromSchema<typeof hookSubscriptionBody>;
type SubscriptionPatch = FromSchema<typeof hookSubscriptionPatch>;

const columns = [
  'id',
  'name',
  'url',
  'events',
  'active',
  'maxFailures',
  'consecutiveFailures',
  'disabledReason',
  'createdAt',
  'updatedAt',
] as const;

export async function listSubscriptions(db: Db) {
  return { items: await db.selectFrom('hookSubscriptions').select(columns).orderBy('name').execute() };
}

export async function getSubscription(db: Db, id: string) {
  const row = await db
    .selectFrom('hookSubscriptions')
    .select(columns)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('Subscription');
  return row;
}

/** The secret is answered once, at creation (and on rotation): the receiver verifies with it. */
export async function createSubscription(db: Db, actor: Actor, body: SubscriptionBody) {
  const secret = randomBytes(24).toString('base64url');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('hookSubscriptions')
      .values({
        name: body.name,
        url: body.url,
        events: JSON.stringify(body.events),
        active: body.active ?? true,
        maxFailures: body.maxFailures ?? 10,
        secret,
        createdBy: actor.id,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
    await audit(
      trx,
      actor,
      'hook.create',
      { type: 'hook', id: row.id },
      { url: body.url, events: body.events },
    );
    return { ...row, secret };
  });
}

/** Turning a subscription back on clears its failure count and the reason it was turned off. */
export async function updateSubscription(db: Db, actor: Actor, id: string, patch: SubscriptionPatch) {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('hookSubscriptions')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.events !== undefined ? { events: JSON.stringify(patch.events) } : {}),
        ...(patch.maxFailures !== undefined ? { maxFailures: patch.maxFailures } : {}),
        ...(patch.active !== undefined
          ? {
              active: patch.active,
              ...(patch.active ? { consecutiveFailures: 0, disabledReason: null } : {}),
            }
          : {}),
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .returning(columns)
      .executeTakeFirst();
    if (!row) throw notFound('Subscription');
    await audit(trx, actor, 'hook.update', { type: 'hook', id }, { changed: Object.keys(patch) });
    return row;
  });
}

export async function deleteSubscription(db: Db, actor: Actor, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('hookSubscriptions').where('id', '=', id).executeTakeFirst();
    if (deleted.numDeletedRows === 0n) throw notFound('Subscription');
    await audit(trx, actor, 'hook.delete', { type: 'hook', id });
  });
}

export async function rotateSubscriptionSecret(db: Db, actor: Actor, id: string) {
  const secret = randomBytes(24).toString('base64url');
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('hookSubscriptions')
      .set({ secret, updatedAt: new Date() })
      .where('id', '=', id)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw notFound('Subscription');
    await audit(trx, actor, 'hook.secret.rotate', { type: 'hook', id });
  });
  return { secret };
}

export async function listHookDeliveries(db: Db, subscriptionId: string, limit: number) {
  await getSubscription(db, subscriptionId);
  const items = await db
    .selectFrom('hookDeliveries')
    .selectAll()
    .where('subscriptionId', '=', subscriptionId)
    .orderBy('createdAt', 'desc')
    .limit(limit)
    .execute();
  return { items };
}

interface OutboxEvent {
  id: number;
  type: string;
  module: string | null;
}

const wants = (events: string[], event: OutboxEvent) =>
  events.some((wanted) => {
    const [type, module] = wanted.split(':');
    return type === event.type && (module === undefined || module === event.module);
  });

/**
 * Called by the workflow dispatcher with each batch of outbox events it takes, inside its
 * transaction: a delivery row and its job per (subscription, event) commit with the batch,
 * so each event reaches each subscriber once, in the order events were dispatched.
 */
export async function fanOutHooks(trx: Db, boss: PgBoss, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const subscriptions = await trx
    .selectFrom('hookSubscriptions')
    .select(['id', 'events'])
    .where('active', '=', true)
    .execute();
  if (subscriptions.length === 0) return;
  const rows = subscriptions.flatMap((subscription) =>
    events
      .filter((event) => wants(subscription.events, event))
      .map((event) => ({ subscriptionId: subscription.id, eventId: event.id, eventType: event.type })),
  );
  if (rows.length === 0) return;
  const inserted = await trx
    .insertInto('hookDeliveries')
    .values(rows)
    .onConflict((oc) => oc.columns(['subscriptionId', 'eventId']).doNothing())
    .returning('id')
    .execute();
  await ensureHookQueue(boss);
  if (inserted.length > 0)
    await boss.insert(
      hooksQueue,
      inserted.map((row) => ({ id: row.id, data: { id: row.id } })),
      { db: bossTransaction(trx) },
    );
}

/** What the receiver gets: the event as JSON, signed as Weft's inbound webhooks verify. */
export function hookRequest(
  delivery: { id: string; eventType: string },
  event: { id: number; module: string | null; recordId: string | null; payload: unknown; createdAt: Date },
  secret: string,
  nowMs: number,
) {
  const body = JSON.stringify({
    id: delivery.id,
    event: delivery.eventType,
    eventId: event.id,
    module: event.module,
    recordId: event.recordId,
    occurredAt: event.createdAt,
    data: event.payload,
  });
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Weft-Hooks/1',
      [webhookHeaders.timestamp]: timestamp,
      [webhookHeaders.delivery]: delivery.id,
      [webhookHeaders.signature]: signWebhook(secret, timestamp, delivery.id, body),
    },
  };
}

/**
 * One attempt at a delivery. 2xx: delivered. 410: the receiver is gone, the subscription is
 * turned off. Anything else (or no answer): a failure; the job is retried with backoff, and
 * the subscription is turned off after its `maxFailures` failures in a row.
 */
export async function deliverHook(
  db: Db,
  settings: SettingsService,
  deliveryId: string,
  options: { last: boolean },
): Promise<void> {
  const row = await db
    .selectFrom('hookDeliveries')
    .innerJoin('hookSubscriptions', 'hookSubscriptions.id', 'hookDeliveries.subscriptionId')
    .innerJoin('events', 'events.id', 'hookDeliveries.eventId')
    .select([
      'hookDeliveries.id',
      'hookDeliveries.eventType',
      'hookDeliveries.status',
      'hookDeliveries.subscriptionId',
      'hookSubscriptions.url',
      'hookSubscriptions.secret',
      'hookSubscriptions.active',
      'hookSubscriptions.maxFailures',
      'events.id as eventId',
      'events.module',
      'events.recordId',
      'events.payload',
      'events.createdAt',
    ])
    .where('hookDeliveries.id', '=', deliveryId)
    .executeTakeFirst();
  if (row?.status !== 'pending') return;
  if (!row.active) {
    await finish(db, deliveryId, 'cancelled', null, 'the subscription is turned off');
    return;
  }
  const request = hookRequest(
    row,
    {
      id: row.eventId,
      module: row.module,
      recordId: row.recordId,
      payload: row.payload,
      createdAt: row.createdAt,
    },
    row.secret,
    Date.now(),
  );
  const { httpAllowList } = await settings.get();
  let status: number | null = null;
  let error: string | null = null;
  try {
    const response = await guardedFetch(
      { method: 'POST', url: row.url, headers: request.headers, body: request.body, timeoutMs },
      httpAllowList,
    );
    status = response.status;
    if (status >= 200 && status < 300) {
      await db.transaction().execute(async (trx) => {
        await finish(trx, deliveryId, 'delivered', status, null);
        await trx
          .updateTable('hookSubscriptions')
          .set({ consecutiveFailures: 0 })
          .where('id', '=', row.subscriptionId)
          .execute();
      });
      return;
    }
    error = `the receiver answered ${status}`;
  } catch (failure) {
    // The address guard's refusal is the admin's to fix (a private address): it is not retried.
    if (failure instanceof WeftError) {
      await finish(db, deliveryId, 'failed', null, failure.message);
      await countFailure(db, row.subscriptionId, row.maxFailures, failure.message);
      return;
    }
    error = (failure as Error).message;
  }
  if (status === 410) {
    await db.transaction().execute(async (trx) => {
      await finish(trx, deliveryId, 'gone', status, error);
      await disable(trx, row.subscriptionId, 'the receiver answered 410 Gone: it unsubscribed');
    });
    return;
  }
  const disabled = await countFailure(db, row.subscriptionId, row.maxFailures, error ?? 'failed');
  if (options.last || disabled) {
    await finish(db, deliveryId, 'failed', status, error);
    return;
  }
  await db
    .updateTable('hookDeliveries')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), responseStatus: status, lastError: error }))
    .where('id', '=', deliveryId)
    .execute();
  throw new Error(`hook delivery ${deliveryId}: ${error}`);
}

async function finish(
  db: Db,
  id: string,
  status: 'delivered' | 'failed' | 'gone' | 'cancelled',
  responseStatus: number | null,
  lastError: string | null,
) {
  await db
    .updateTable('hookDeliveries')
    .set((eb) => ({
      status,
      attempts: status === 'cancelled' ? eb.ref('attempts') : eb('attempts', '+', 1),
      responseStatus,
      lastError,
      finishedAt: new Date(),
    }))
    .where('id', '=', id)
    .execute();
}

async function disable(db: Db, id: string, reason: string) {
  await db
    .updateTable('hookSubscriptions')
    .set({ active: false, disabledReason: reason, updatedAt: new Date() })
    .where('id', '=', id)
    .execute();
}

/** One more failure in a row; true when that turned the subscription off. */
async function countFailure(db: Db, id: string, maxFailures: number, error: string): Promise<boolean> {
  const row = await db
    .updateTable('hookSubscriptions')
    .set((eb) => ({ consecutiveFailures: eb('consecutiveFailures', '+', 1) }))
    .where('id', '=', id)
    .returning('consecutiveFailures')
    .executeTakeFirst();
  if (row && row.consecutiveFailures >= maxFailures) {
    await disable(db, id, `${row.consecutiveFailures} failures in a row; the last: ${error}`);
    return true;
  }
  return false;
}

const ensured = new WeakMap<PgBoss, Promise<unknown>>();
export function ensureHookQueue(boss: PgBoss, policy: { retryDelaySeconds?: number } = {}): Promise<unknown> {
  let created = ensured.get(boss);
  if (!created) {
    // A worker killed mid-delivery stops beating: its job is retried in seconds, not after
    // pg-boss's 15-minute expiry (the queue may predate the option: updated too).
    created = boss
      .createQueue(hooksQueue, {
        retryLimit: 8,
        retryDelay: policy.retryDelaySeconds ?? 30,
        retryBackoff: true,
        retryDelayMax: 6 * 3600,
        heartbeatSeconds: 10,
      })
      .then(() => boss.updateQueue(hooksQueue, { heartbeatSeconds: 10 }));
    ensured.set(boss, created);
  }
  return created;
}

export async function startHookWorker(
  boss: PgBoss,
  db: Db,
  settings: SettingsService,
  policy: { retryDelaySeconds?: number } = {},
): Promise<void> {
  await ensureHookQueue(boss, policy);
  await boss.work<
    { id: string },
    unknown,
    { includeMetadata: true; pollingIntervalSeconds: number; localConcurrency: number }
  >(
    hooksQueue,
    { includeMetadata: true, pollingIntervalSeconds: 0.5, localConcurrency: 4 },
    async ([job]) => {
      if (job) await deliverHook(db, settings, job.data.id, { last: job.retryCount >= job.retryLimit });
    },
  );
}
