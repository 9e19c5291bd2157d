/**
 * GitHub webhooks (docs.github.com, "Validating webhook deliveries"): `X-Hub-Signature-256:
 * sha256=<hex HMAC-SHA256 of the raw body with the webhook's secret>`, the delivery's GUID in
 * `X-GitHub-Delivery`, the event name in `X-GitHub-Event`.
 *
 * GitHub signs neither a timestamp nor the delivery id, so a captured delivery could be
 * sent again under a new GUID. It counts once: the key is the signature, i.e. the body (a
 * redelivery from GitHub's settings page repeats the same body and is a duplicate too).
 */
import { createHmac } from 'node:crypto';
import { type DeliveryInput, header, refuse, safeEqual, type Verification, type Verifier } from './verify.ts';

export const githubHeaders = {
  signature: 'x-hub-signature-256',
  delivery: 'x-github-delivery',
  event: 'x-github-event',
} as const;

export function signGithub(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

export function verifyGithub(input: DeliveryInput): Verification {
  const signature = header(input.headers, githubHeaders.signature);
  if (signature === undefined || !/^sha256=[0-9a-f]{64}$/.test(signature))
    return refuse(githubHeaders.signature, 'missing, or not sha256=<64 hex digits>');
  if (!safeEqual(signGithub(input.secret, input.rawBody), signature))
    return refuse(githubHeaders.signature, 'does not match the body and the webhook’s secret');
  const guid = header(input.headers, githubHeaders.delivery);
  return {
    ok: true,
    deliveryId: guid && /^[A-Za-z0-9-]{1,100}$/.test(guid) ? guid : signature.slice(7, 39),
    dedupeKey: `sig:${signature.slice(7)}`,
  };
}

export const githubVerifier: Verifier = {
  service: 'github',
  title: 'GitHub',
  help: 'In the repository’s or organisation’s Settings → Webhooks, choose content type application/json and paste this flow’s secret as the webhook secret (or set the flow’s secret to the one GitHub has). GitHub sends X-Hub-Signature-256.',
  verify: verifyGithub,
};
