/**
 * Web forms (X2CRM's web-lead and service-case forms): what a public submission carries
 * besides its fields, and the checks that need no database. A rendered form (hosted page,
 * embed script) carries
 *   _weft_t   `<ms>.<HMAC-SHA256(form secret, formId + "." + ms), base64url>`: when it was
 *             rendered, so that a bot can neither skip nor backdate the minimum fill time;
 *   _weft_key a random key per rendering: posting the same form twice is one submission;
 *   _weft_hp  a honeypot field, hidden from people: anything in it is a bot.
 * The static HTML snippet is pasted once, so it cannot carry a stamp of its own: its few lines of
 * script fetch one (`GET …/stamp`) when the visitor's browser runs scripts. Without them (JavaScript
 * off, an integration posting JSON) the post arrives stampless and is taken without the fill-time
 * check, so the JS-off snippet still answers its first post with the 303; the honeypot, the rate
 * limits and the duplicate check still apply. A stamp that is sent is always checked.
 * Storage, limits and processing: server/forms/.
 */
import { createHash, createHmac } from 'node:crypto';
import { safeEqual } from './verify.ts';

export const controlFields = {
  honeypot: '_weft_hp',
  stamp: '_weft_t',
  key: '_weft_key',
} as const;

/** Public bodies are a few fields of text. */
export const maxFormBodyBytes = 64 * 1024;
/** A tab left open longer than this must reload the form. */
export const maxStampAgeMs = 7 * 24 * 3600_000;

export type SubmittedValues = Record<string, string | string[] | undefined>;

export function issueStamp(form: { id: string; stampSecret: string }, nowMs: number): string {
  const mac = createHmac('sha256', form.stampSecret).update(`${form.id}.${nowMs}`).digest('base64url');
  return `${nowMs}.${mac}`;
}

/** Why a submission looks automated (`field`, `reason`), or undefined. */
export function botProblem(
  form: { id: string; stampSecret: string; minFillSeconds: number },
  posted: SubmittedValues,
  nowMs: number,
): { field: string; reason: string } | undefined {
  const honeypot = posted[controlFields.honeypot];
  if (honeypot !== undefined && honeypot !== '')
    return { field: controlFields.honeypot, reason: 'must be left empty' };
  const stamp = posted[controlFields.stamp];
  const refuse = (reason: string) => ({ field: controlFields.stamp, reason });
  if (typeof stamp !== 'string' || stamp === '') return undefined;
  const [ms] = stamp.split('.');
  if (!ms || !/^\d{1,15}$/.test(ms)) return refuse('is not a stamp this form issued');
  if (!safeEqual(issueStamp(form, Number(ms)), stamp)) return refuse('is not a stamp this form issued');
  const age = nowMs - Number(ms);
  if (age < form.minFillSeconds * 1000) return refuse('the form was sent too quickly: please try again');
  if (age > maxStampAgeMs) return refuse('the form is too old: reload the page and send it again');
  return undefined;
}

/**
 * What makes a post count once: the rendering's key when it sent one, else the same values
 * from the same address within the same ten minutes.
 */
export function submissionKey(posted: SubmittedValues, values: unknown, ip: string, nowMs: number): string {
  const given = posted[controlFields.key];
  if (typeof given === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(given)) return `key:${given}`;
  const digest = createHash('sha256')
    .update(JSON.stringify([values, ip, Math.floor(nowMs / 600_000)]))
    .digest('hex');
  return `hash:${digest}`;
}
