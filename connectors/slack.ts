/**
 * Slack requests (api.slack.com/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:" + timestamp + ":" + rawBody>` keyed with
 * the app's signing secret, `X-Slack-Request-Timestamp` within five minutes.
 *
 * Replay: the timestamp bounds it; the key is the Events API's `event_id` from the signed
 * body (Slack's retries repeat it with a new timestamp), else the signature.
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

export const slackHeaders = {
  signature: 'x-slack-signature',
  timestamp: 'x-slack-request-timestamp',
} as const;

export function signSlack(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

export function verifySlack(input: DeliveryInput): Verification {
  const timestamp = header(input.headers, slackHeaders.timestamp);
  const stale = timestampProblem(timestamp, input.nowMs);
  if (stale || timestamp === undefined) return refuse(slackHeaders.timestamp, stale ?? 'missing');
  const signature = header(input.headers, slackHeaders.signature);
  if (signature === undefined || !/^v0=[0-9a-f]{64}$/.test(signature))
    return refuse(slackHeaders.signature, 'missing, or not v0=<64 hex digits>');
  if (!safeEqual(signSlack(input.secret, timestamp, input.rawBody), signature))
    return refuse(slackHeaders.signature, 'does not match the timestamp, body and signing secret');
  const eventId = bodyString(input.rawBody, 'event_id');
  return {
    ok: true,
    deliveryId: eventId ?? signature.slice(3, 35),
    dedupeKey: eventId ? `evt:${eventId}` : `sig:${signature.slice(3)}`,
  };
}

/** Slack's Events API checks a new URL with `{type: "url_verification", challenge}`: echo the challenge. */
export function slackChallenge(body: unknown): string | undefined {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const { type, challenge } = body as Record<string, unknown>;
    if (type === 'url_verification' && typeof challenge === 'string') return challenge;
  }
  return undefined;
}

export const slackVerifier: Verifier = {
  service: 'slack',
  title: 'Slack',
  help: 'In the Slack app’s Basic Information, copy the Signing Secret and set it as this flow’s secret; use this URL as the Events API request URL (the url_verification challenge is answered).',
  verify: verifySlack,
};
