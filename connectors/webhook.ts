/**
 * Inbound webhook signatures (DESIGN.md "Security baseline"). The sender signs
 * `timestamp + "." + rawBody` with HMAC-SHA256 and the flow's secret and sends:
 *   x-weft-timestamp: <unix seconds>
 *   x-weft-signature: sha256=<hex>
 *   x-weft-delivery:  <delivery id, unique per delivery; a retry repeats it>
 * The timestamp bounds replays to the tolerance; the delivery id makes retries harmless.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const webhookHeaders = {
  timestamp: 'x-weft-timestamp',
  signature: 'x-weft-signature',
  delivery: 'x-weft-delivery',
} as const;

export const toleranceSeconds = 300;
/** Inbound bodies are events, not uploads. */
export const maxBodyBytes = 256 * 1024;

const deliveryPattern = /^[A-Za-z0-9._:-]{1,200}$/;

export function signWebhook(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(rawBody);
  return `sha256=${hmac.digest('hex')}`;
}

export type Verification = { ok: true; deliveryId: string } | { ok: false; header: string; reason: string };

export function verifyWebhook(input: {
  secret: string;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  nowMs: number;
}): Verification {
  const header = (name: string) => {
    const value = input.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const timestamp = header(webhookHeaders.timestamp);
  const signature = header(webhookHeaders.signature);
  const deliveryId = header(webhookHeaders.delivery);
  if (deliveryId === undefined || !deliveryPattern.test(deliveryId))
    return {
      ok: false,
      header: webhookHeaders.delivery,
      reason: 'missing, or not 1-200 of A-Z a-z 0-9 . _ : -',
    };
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp))
    return { ok: false, header: webhookHeaders.timestamp, reason: 'missing, or not unix seconds' };
  if (Math.abs(input.nowMs / 1000 - Number(timestamp)) > toleranceSeconds)
    return {
      ok: false,
      header: webhookHeaders.timestamp,
      reason: `more than ${toleranceSeconds} s away from now`,
    };
  if (signature === undefined || !/^sha256=[0-9a-f]{64}$/.test(signature))
    return { ok: false, header: webhookHeaders.signature, reason: 'missing, or not sha256=<64 hex digits>' };
  const expected = Buffer.from(signWebhook(input.secret, timestamp, input.rawBody));
  // Both are sha256=<64 hex>, so the lengths match and the comparison takes constant time.
  if (!timingSafeEqual(expected, Buffer.from(signature)))
    return {
      ok: false,
      header: webhookHeaders.signature,
      reason: 'does not match the body and the flow’s secret',
    };
  return { ok: true, deliveryId };
}
