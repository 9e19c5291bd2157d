import type { Settings } from '../../schemas/settings.ts';
import type { Db } from '../db/index.ts';
import { invalid, WeftError } from '../platform/errors.ts';
import { guardedFetch } from '../platform/http-client.ts';
import { signingKey, signToken, verifyToken } from './keys.ts';

/**
 * Text messages through a provider. `SmsProvider` is the interface; `twilioProvider`
 * speaks Twilio's REST API (POST /2010-04-01/Accounts/{sid}/Messages.json, basic auth,
 * form fields To, From, Body, StatusCallback), which other providers copy. Each message is
 * a row of `sms_messages` (one per idempotency key); the provider's status callback,
 * signed per message, updates it.
 */

export interface SmsProvider {
  send(message: { to: string; from: string; body: string; statusCallback: string | null }): Promise<{
    providerId: string | null;
    status: string;
  }>;
}

export function twilioProvider(settings: Settings): SmsProvider {
  const { smsAccountSid: sid, smsAuthToken: token } = settings;
  if (!sid || !token)
    throw new WeftError('UNPROCESSABLE', 'set smsAccountSid and smsAuthToken in the settings to send SMS');
  return {
    async send(message) {
      const form = new URLSearchParams({ To: message.to, From: message.from, Body: message.body });
      if (message.statusCallback) form.set('StatusCallback', message.statusCallback);
      const answer = await guardedFetch(
        {
          method: 'POST',
          url: `${settings.smsApiBaseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(sid)}/Messages.json`,
          headers: {
            authorization: `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: form.toString(),
          timeoutMs: 15_000,
        },
        settings.httpAllowList,
      );
      const body = (answer.body ?? {}) as { sid?: unknown; status?: unknown; message?: unknown };
      if (answer.status >= 400) {
        const reason = typeof body.message === 'string' ? body.message : `HTTP ${answer.status}`;
        // A 4xx is ours to fix (a bad number, bad credentials): not worth retrying.
        if (answer.status < 500)
          throw new WeftError('UNPROCESSABLE', `the SMS provider refused the message: ${reason}`);
        throw new Error(`the SMS provider failed: ${reason}`);
      }
      return {
        providerId: typeof body.sid === 'string' ? body.sid : null,
        status: typeof body.status === 'string' ? body.status : 'queued',
      };
    },
  };
}

const phonePattern = /^\+?[1-9]\d{6,14}$/;

export async function sendSms(
  db: Db,
  settings: Settings,
  message: {
    to: string;
    body: string;
    module: string | null;
    recordId: string | null;
    idempotencyKey: string;
  },
  provider: SmsProvider = twilioProvider(settings),
) {
  const to = message.to.replace(/[\s().-]/g, '');
  if (!phonePattern.test(to)) throw invalid('to', `"${message.to.slice(0, 40)}" is not a phone number`);
  if (!settings.smsFromNumber)
    throw new WeftError('UNPROCESSABLE', 'set smsFromNumber in the settings to send SMS');
  const existing = await db
    .selectFrom('smsMessages')
    .select(['id', 'status', 'providerId'])
    .where('idempotencyKey', '=', message.idempotencyKey)
    .executeTakeFirst();
  if (existing && existing.status !== 'failed') return existing;
  const row =
    existing ??
    (await db
      .insertInto('smsMessages')
      .values({
        module: message.module,
        recordId: message.recordId,
        toNumber: to,
        body: message.body,
        status: 'sending',
        idempotencyKey: message.idempotencyKey,
      })
      .returning(['id', 'status', 'providerId'])
      .executeTakeFirstOrThrow());
  const callback = settings.trackingBaseUrl
    ? `${settings.trackingBaseUrl.replace(/\/+$/, '')}/api/t/sms/${signToken(await signingKey(db), row.id, 's')}`
    : null;
  try {
    const sent = await provider.send({
      to,
      from: settings.smsFromNumber,
      body: message.body,
      statusCallback: callback,
    });
    await db
      .updateTable('smsMessages')
      .set({ status: sent.status, providerId: sent.providerId, error: null, updatedAt: new Date() })
      .where('id', '=', row.id)
      .execute();
    return { id: row.id, status: sent.status, providerId: sent.providerId };
  } catch (error) {
    await db
      .updateTable('smsMessages')
      .set({ status: 'failed', error: String((error as Error).message), updatedAt: new Date() })
      .where('id', '=', row.id)
      .execute();
    throw error;
  }
}

/** The provider's status callback for one message (its token is signed for that message). */
export async function smsStatusCallback(db: Db, token: string, status: string, error: string | null) {
  const verified = verifyToken(await signingKey(db), token);
  if (verified?.purpose !== 's') return false;
  const updated = await db
    .updateTable('smsMessages')
    .set({ status: status.slice(0, 40), error, updatedAt: new Date() })
    .where('id', '=', verified.messageId)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}
