/**
 * Stripe webhooks (docs.stripe.com/webhooks, "Verify signatures manually"):
 * `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`, where each v1 is the
 * hex HMAC-SHA256 of `t + "." + rawBody` keyed with the endpoint's signing secret (the whole
 * `whsec_…` string). Any v1 may match (several during a secret roll); v0 is ignored; `t` must
 * be within the tolerance (Stripe's libraries default to 300 s).
 *
 * Replay: the timestamp bounds it, and the key is the event id (`evt_…`) in the signed body,
 * which Stripe repeats on its own retries (with a fresh `t`).
 */
import { createHmac } from 'node:crypto';
import {
  bodyString,
  type DeliveryInput,
  header,
  refuse,
  safeEqual,
  timestampProblem,
  type Verification,
  type Verifier,
} from './verify.ts';

export const stripeHeader = 'stripe-signature';

export function signStripe(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(rawBody);
  return hmac.digest('hex');
}

export function verifyStripe(input: DeliveryInput): Verification {
  const value = header(input.headers, stripeHeader);
  if (value === undefined) return refuse(stripeHeader, 'missing');
  const pairs = value.split(',').map((part) => {
    const at = part.indexOf('=');
    return at < 0 ? ['', ''] : [part.slice(0, at).trim(), part.slice(at + 1).trim()];
  });
  const timestamps = pairs.filter(([key]) => key === 't').map(([, v]) => v);
  const signatures = pairs
    .filter(([key, v]) => key === 'v1' && /^[0-9a-f]{64}$/.test(v ?? ''))
    .map(([, v]) => v);
  if (timestamps.length !== 1) return refuse(stripeHeader, 'needs exactly one t=<unix seconds>');
  const timestamp = timestamps[0] as string;
  const stale = timestampProblem(timestamp, input.nowMs);
  if (stale) return refuse(stripeHeader, `t= is ${stale}`);
  if (signatures.length === 0) return refuse(stripeHeader, 'has no v1=<64 hex digits> signature');
  const expected = signStripe(input.secret, timestamp, input.rawBody);
  // Every candidate is compared, so the time taken does not say which one matched.
  let matched = false;
  for (const signature of signatures) if (safeEqual(expected, signature as string)) matched = true;
  if (!matched) return refuse(stripeHeader, 'no v1 signature matches the body and the signing secret');
  const eventId = bodyString(input.rawBody, 'id');
  return {
    ok: true,
    deliveryId: eventId ?? expected.slice(0, 32),
    dedupeKey: eventId ? `evt:${eventId}` : `sig:${expected}`,
  };
}

export const stripeVerifier: Verifier = {
  service: 'stripe',
  title: 'Stripe',
  help: 'In Stripe’s Workbench → Webhooks, add this URL as an endpoint, reveal its signing secret (whsec_…) and set it as this flow’s secret. Stripe sends Stripe-Signature: t=…,v1=….',
  verify: verifyStripe,
};
