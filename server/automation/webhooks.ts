import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { verifyWebhook } from '../../connectors/webhook.ts';
import type { Db } from '../db/index.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { conflict, invalid, notFound, WeftError } from '../platform/errors.ts';
import { emitEvent } from '../platform/events.ts';
import { unstorable } from '../plugins/nul-guard.ts';

/** Headers a flow never sees: credentials of whoever sits in front of the sender. */
const privateHeaders = new Set(['cookie', 'authorization', 'proxy-authorization']);

export type WebhookReceipt =
  | { duplicate: false; deliveryId: string; eventId: number }
  | { duplicate: true; deliveryId: string };

/**
 * An inbound delivery for a flow with the webhook trigger. Verified (connectors/webhook.ts),
 * then stored with its `webhook.received` event in one transaction before the caller
 * answers: an acknowledged delivery is never lost, and a retried one (same delivery id) is
 * recognised and starts nothing.
 */
export async function receiveWebhook(
  db: Db,
  flowId: string,
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
  nowMs: number,
): Promise<WebhookReceipt> {
  const flow = await db
    .selectFrom('flows')
    .select(['active', 'triggerType', 'webhookSecret'])
    .where('id', '=', flowId)
    .executeTakeFirst();
  if (!flow?.webhookSecret || flow.triggerType !== 'trigger.webhook') throw notFound('Webhook flow');
  const verified = verifyWebhook({ secret: flow.webhookSecret, rawBody, headers, nowMs });
  if (!verified.ok)
    throw new WeftError('UNAUTHENTICATED', `${verified.header} ${verified.reason}`, [
      { field: verified.header, reason: verified.reason },
    ]);
  // Refused rather than stored: a sender that retries later reaches the flow once it is active again.
  if (!flow.active) throw conflict('flow', 'is not active; the delivery was not stored');
  let body: unknown = null;
  if (rawBody.length > 0) {
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw invalid('body', 'is not JSON');
    }
    // Signed or not, a NUL, half a surrogate pair or absurd nesting cannot be stored (a 500 in SQL).
    const problem = unstorable(body, 'body');
    if (problem) throw problem;
  }
  const kept = Object.fromEntries(
    Object.entries(headers)
      .filter(([name, value]) => !privateHeaders.has(name) && value !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]),
  );
  const { deliveryId } = verified;
  return db.transaction().execute(async (trx) => {
    // Claiming the id first: a concurrent duplicate waits on the key, then finds it taken.
    const claimed = await trx
      .insertInto('webhookDeliveries')
      .values({ flowId, deliveryId })
      .onConflict((oc) => oc.columns(['flowId', 'deliveryId']).doNothing())
      .returning('deliveryId')
      .executeTakeFirst();
    if (!claimed) return { duplicate: true, deliveryId };
    const eventId = await emitEvent(trx, {
      type: 'webhook.received',
      module: null,
      recordId: null,
      payload: { flowId, deliveryId, body, headers: kept },
      actorId: null,
    });
    await trx
      .updateTable('webhookDeliveries')
      .set({ eventId })
      .where('flowId', '=', flowId)
      .where('deliveryId', '=', deliveryId)
      .execute();
    return { duplicate: false, deliveryId, eventId };
  });
}

/** A new secret for a flow's webhook; the old one stops verifying at once. */
export async function rotateWebhookSecret(db: Db, actor: Actor, flowId: string): Promise<{ secret: string }> {
  const secret = randomBytes(24).toString('base64url');
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('flows')
      .set({ webhookSecret: secret, updatedAt: new Date() })
      .where('id', '=', flowId)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw notFound('Flow');
    await audit(trx, actor, 'flow.webhookSecret.rotate', { type: 'flow', id: flowId });
  });
  return { secret };
}
