/**
 * What every inbound webhook verifier shares: the request it judges, the answer it gives,
 * and constant-time comparison. One file per service (github.ts, stripe.ts …) says how that
 * service signs; `services.ts` lists them by name.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export type Headers = Record<string, string | string[] | undefined>;

export interface DeliveryInput {
  /** The flow's secret: the service's signing secret (GitHub, Stripe, Shopify, Slack) or ours. */
  secret: string;
  rawBody: Buffer;
  headers: Headers;
  nowMs: number;
  /** Per-flow settings of a verifier (the shared-secret mode's header names). */
  options?: { secretHeader?: string | undefined; deliveryHeader?: string | undefined };
}

/**
 * `deliveryId` is what the deliveries list shows; `dedupeKey` is what makes a delivery
 * count once. The key is always covered by the signature (a signed id, a signed event id in
 * the body, or the signature itself), so an eavesdropper cannot replay a delivery under a
 * new id.
 */
export type Verification =
  | { ok: true; deliveryId: string; dedupeKey: string }
  | { ok: false; header: string; reason: string };

export interface Verifier {
  service: string;
  title: string;
  /** Where the admin finds the secret, and how the service signs (shown in the designer). */
  help: string;
  verify(input: DeliveryInput): Verification;
}

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
}

/** Constant time whatever the inputs' lengths: both sides are hashed to 32 bytes first. */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export const refuse = (headerName: string, reason: string): Verification => ({
  ok: false,
  header: headerName,
  reason,
});

/** A string property of a JSON body (a service's event id), when the body is a JSON object. */
export function bodyString(rawBody: Buffer, key: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(rawBody.toString('utf8'));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const value = (parsed as Record<string, unknown>)[key];
      if (typeof value === 'string' && value.length > 0 && value.length <= 200) return value;
    }
  } catch {
    // Not JSON: the caller falls back to the signature.
  }
  return undefined;
}

export const toleranceSeconds = 300;

export function timestampProblem(seconds: string | undefined, nowMs: number): string | undefined {
  if (seconds === undefined || !/^\d{1,12}$/.test(seconds)) return 'missing, or not unix seconds';
  if (Math.abs(nowMs / 1000 - Number(seconds)) > toleranceSeconds)
    return `more than ${toleranceSeconds} s away from now`;
  return undefined;
}
