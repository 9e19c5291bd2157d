/**
 * Shopify webhooks (shopify.dev, "Verify webhooks"): `X-Shopify-Hmac-Sha256` is the
 * base64 HMAC-SHA256 of the raw body keyed with the app's client secret; the delivery's id
 * is `X-Shopify-Webhook-Id`, the topic `X-Shopify-Topic`.
 *
 * Shopify signs no timestamp and not its webhook id: the key is the signature (the body),
 * so a captured delivery replayed under a new webhook id is a duplicate, as is Shopify's own
 * retry (same body).
 */
import { createHmac } from 'node:crypto';
import { type DeliveryInput, header, refuse, safeEqual, type Verification, type Verifier } from './verify.ts';

export const shopifyHeaders = {
  signature: 'x-shopify-hmac-sha256',
  delivery: 'x-shopify-webhook-id',
  topic: 'x-shopify-topic',
} as const;

export function signShopify(secret: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

export function verifyShopify(input: DeliveryInput): Verification {
  const signature = header(input.headers, shopifyHeaders.signature);
  if (signature === undefined || !/^[A-Za-z0-9+/]{43}=$/.test(signature))
    return refuse(shopifyHeaders.signature, 'missing, or not a base64 SHA-256 digest');
  if (!safeEqual(signShopify(input.secret, input.rawBody), signature))
    return refuse(shopifyHeaders.signature, 'does not match the body and the app’s secret');
  const hex = Buffer.from(signature, 'base64').toString('hex');
  const id = header(input.headers, shopifyHeaders.delivery);
  return {
    ok: true,
    deliveryId: id && /^[A-Za-z0-9._:-]{1,200}$/.test(id) ? id : hex.slice(0, 32),
    dedupeKey: `sig:${hex}`,
  };
}

export const shopifyVerifier: Verifier = {
  service: 'shopify',
  title: 'Shopify',
  help: 'Subscribe the webhook topic to this URL (JSON format) and set this flow’s secret to the app’s client secret (or the store’s webhook signing key). Shopify sends X-Shopify-Hmac-Sha256 (base64).',
  verify: verifyShopify,
};
