/**
 * For services that cannot sign: the flow's secret travels in a header (default
 * `x-webhook-secret`) and is compared in constant time. Anyone who sees one delivery knows
 * the secret, so use it only over HTTPS. The key is the value of the flow's delivery-id
 * header when it names one, else the SHA-256 of the body: the same body twice is one delivery.
 */
import { createHash } from 'node:crypto';
import { type DeliveryInput, header, refuse, safeEqual, type Verification, type Verifier } from './verify.ts';

export const defaultSecretHeader = 'x-webhook-secret';

export function verifySharedSecret(input: DeliveryInput): Verification {
  const name = (input.options?.secretHeader ?? defaultSecretHeader).toLowerCase();
  const given = header(input.headers, name);
  if (given === undefined || given.length === 0) return refuse(name, 'missing');
  if (!safeEqual(given, input.secret)) return refuse(name, 'is not the flow’s secret');
  const deliveryName = input.options?.deliveryHeader?.toLowerCase();
  const id = deliveryName ? header(input.headers, deliveryName) : undefined;
  if (deliveryName && (id === undefined || !/^[A-Za-z0-9._:-]{1,200}$/.test(id)))
    return refuse(deliveryName, 'missing, or not 1-200 of A-Z a-z 0-9 . _ : -');
  const hash = createHash('sha256').update(input.rawBody).digest('hex');
  return id
    ? { ok: true, deliveryId: id, dedupeKey: `id:${id}` }
    : { ok: true, deliveryId: hash.slice(0, 32), dedupeKey: `body:${hash}` };
}

export const sharedSecretVerifier: Verifier = {
  service: 'sharedSecret',
  title: 'Shared secret in a header',
  help: 'For services that cannot sign: send this flow’s secret in the chosen header (x-webhook-secret unless set otherwise), over HTTPS only.',
  verify: verifySharedSecret,
};
