/**
 * Weft's own inbound webhook signature (DESIGN.md "Security baseline"), also what Weft's
 * outbound hooks send. The sender signs `timestamp + "." + deliveryId + "." + rawBody` with
 * HMAC-SHA256 and the flow's secret and sends:
 *   x-weft-timestamp: <unix seconds>
 *   x-weft-delivery:  <delivery id, unique per delivery; a retry repeats it>
 *   x-weft-signature: sha256=<hex>
 * The timestamp bounds a replay to the tolerance; the delivery id, being signed, cannot be
 * changed by whoever captured a delivery, so within the tolerance a replay is a duplicate.
 */
import { createHmac } from 'node:crypto';
import {
  type DeliveryInput,
  header,
  refuse,
  safeEqual,
  timestampProblem,
  type Verification,
  type Verifier,
} from './verify.ts';

export { toleranceSeconds } from './verify.ts';

export const webhookHeaders = {
  timestamp: 'x-weft-timestamp',
  signature: 'x-weft-signature',
  delivery: 'x-weft-delivery',
} as const;

/** Inbound bodies are events, not uploads. */
export const maxBodyBytes = 256 * 1024;

const deliveryPattern = /^[A-Za-z0-9._:-]{1,200}$/;

export function signWebhook(
  secret: string,
  timestamp: string,
  deliveryId: string,
  rawBody: Buffer | string,
): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.${deliveryId}.`);
  hmac.update(rawBody);
  return `sha256=${hmac.digest('hex')}`;
}

export function verifyWebhook(input: DeliveryInput): Verification {
  const timestamp = header(input.headers, webhookHeaders.timestamp);
  const signature = header(input.headers, webhookHeaders.signature);
  const deliveryId = header(input.headers, webhookHeaders.delivery);
  if (deliveryId === undefined || !deliveryPattern.test(deliveryId))
    return refuse(webhookHeaders.delivery, 'missing, or not 1-200 of A-Z a-z 0-9 . _ : -');
  const stale = timestampProblem(timestamp, input.nowMs);
  if (stale || timestamp === undefined) return refuse(webhookHeaders.timestamp, stale ?? 'missing');
  if (signature === undefined || !/^sha256=[0-9a-f]{64}$/.test(signature))
    return refuse(webhookHeaders.signature, 'missing, or not sha256=<64 hex digits>');
  if (!safeEqual(signWebhook(input.secret, timestamp, deliveryId, input.rawBody), signature))
    return refuse(
      webhookHeaders.signature,
      'does not match the timestamp, delivery id, body and the flow’s secret',
    );
  return { ok: true, deliveryId, dedupeKey: deliveryId };
}

export const weftVerifier: Verifier = {
  service: 'weft',
  title: 'Weft signature (HMAC-SHA256)',
  help: 'Sign timestamp + "." + delivery id + "." + body with HMAC-SHA256 and the flow’s secret; send x-weft-timestamp (unix seconds), x-weft-delivery (unique per delivery) and x-weft-signature: sha256=<hex>.',
  verify: verifyWebhook,
};
