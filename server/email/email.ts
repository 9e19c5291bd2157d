import { randomUUID } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import { inTransaction } from '../../engine/runtime/jobs.ts';
import type { Settings } from '../../schemas/settings.ts';
import type { Db } from '../db/index.ts';
import { invalid, notFound, WeftError } from '../platform/errors.ts';
import { type Causation, emitEvent } from '../platform/events.ts';
import { decodeCursor, toPage } from '../platform/pagination.ts';
import type { SettingsService } from '../platform/settings.ts';
import { withLogo } from './email-branding.ts';
import {
  bareAddress,
  type OutgoingMail,
  parseAddressList,
  senderOf,
  sendSmtp,
  smtpFailure,
} from './email-transport.ts';
import { type EmailFrom, resolveSender, senderFor, withSignature } from './senders.ts';

export const emailQueue = 'weft.email.deliver';

export interface EmailJob {
  id: string;
}

export interface EmailDraft {
  /** Comma-separated address fields, as a user or a flow wrote them. */
  to: string;
  cc?: string | null;
  bcc?: string | null;
  subject: string;
  text?: string | null;
  html?: string | null;
  module?: string | null;
  recordId?: string | null;
  runId?: string | null;
  /** The caller's key for this message: queueing it again stores nothing new. */
  idempotencyKey?: string | null;
  /** Set when a flow sends: the `email.outbound` event belongs to the flow's chain (no endless loops). */
  causation?: Causation | undefined;
  /** Who it is from (senders.ts): an account, a user's own account, a role's; absent: the system sender. */
  from?: EmailFrom | null | undefined;
  /** Appends the sender's signature (the account's, or the global one per `emailSignatureMode`). */
  sign?: boolean | undefined;
  /** Extra headers (List-Unsubscribe and List-Unsubscribe-Post of marketing mail). */
  headers?: Record<string, string> | null | undefined;
}

export type QueuedEmail = { id: string; messageId: string; status: 'stored' | 'queued' };

/**
 * Writes a message to the outbox in the caller's transaction and, when an SMTP server is
 * configured, the job that delivers it: both commit with the caller's change, or neither.
 * Without an SMTP host the message stays in the built-in outbox (`stored`), readable
 * through the API.
 */
export async function queueEmail(
  trx: Db,
  boss: PgBoss | null,
  settings: Settings,
  draft: EmailDraft,
): Promise<QueuedEmail> {
  const to = parseAddressList('to', draft.to);
  const cc = parseAddressList('cc', draft.cc);
  const bcc = parseAddressList('bcc', draft.bcc);
  if (to.length + cc.length + bcc.length === 0) throw invalid('to', 'names no recipient');
  if (!draft.text && !draft.html) throw invalid('body', 'is empty: give a text or an HTML body');
  const sender = await resolveSender(trx, settings, draft.from);
  const from = sender.from;
  const body = withSignature(
    { text: draft.text ?? null, html: draft.html ?? null },
    draft.sign ? sender.signature : null,
  );
  const id = randomUUID();
  const deliver = Boolean(sender.smtp && boss);
  const inserted = await trx
    .insertInto('emailOutbox')
    .values({
      id,
      messageId: `<${id}@${from.address.split('@')[1] ?? 'weft'}>`,
      idempotencyKey: draft.idempotencyKey ?? null,
      fromAddress: from.name ? `"${from.name.replaceAll('"', '')}" <${from.address}>` : from.address,
      to,
      cc,
      bcc,
      subject: draft.subject,
      text: body.text,
      html: body.html,
      status: deliver ? 'queued' : 'stored',
      accountId: sender.accountId,
      headers: draft.headers && Object.keys(draft.headers).length > 0 ? JSON.stringify(draft.headers) : null,
      module: draft.module ?? null,
      recordId: draft.recordId ?? null,
      runId: draft.runId ?? null,
    })
    .onConflict((oc) => oc.column('idempotencyKey').doNothing())
    .returning(['id', 'messageId', 'status'])
    .executeTakeFirst();
  if (!inserted) {
    const existing = await trx
      .selectFrom('emailOutbox')
      .select(['id', 'messageId', 'status'])
      .where('idempotencyKey', '=', String(draft.idempotencyKey))
      .executeTakeFirstOrThrow();
    return { ...existing, status: existing.status === 'stored' ? 'stored' : 'queued' };
  }
  if (draft.module && draft.recordId) {
    // Logged on the record it is about, and the outbound email trigger's event (X2CRM's OutboundEmailTrigger).
    await trx
      .insertInto('recordEmails')
      .values({
        module: draft.module,
        recordId: draft.recordId,
        direction: 'outbound',
        messageId: inserted.messageId,
        fromAddress: from.address,
        toAddresses: JSON.stringify([...to, ...cc]),
        subject: draft.subject,
        body: body.text ?? body.html ?? null,
      })
      .execute();
    await emitEvent(trx, {
      type: 'email.outbound',
      module: draft.module,
      recordId: draft.recordId,
      payload: {
        messageId: inserted.messageId,
        from: from.address,
        to,
        cc,
        subject: draft.subject,
        body: draft.text ?? '',
      },
      actorId: null,
      causation: draft.causation,
    });
  }
  if (deliver && boss) {
    // The outbox id is the job id: the message is enqueued once, whatever happens.
    await boss.send(emailQueue, { id } satisfies EmailJob, { id, db: inTransaction(trx) });
  }
  return { id, messageId: inserted.messageId, status: deliver ? 'queued' : 'stored' };
}

/** The bare, lower-cased address of every recipient of a draft. */
export function recipientAddresses(draft: Pick<EmailDraft, 'to' | 'cc' | 'bcc'>): string[] {
  return [
    ...parseAddressList('to', draft.to),
    ...parseAddressList('cc', draft.cc),
    ...parseAddressList('bcc', draft.bcc),
  ].map(bareAddress);
}

/**
 * Delivers one queued message. The row is locked for the whole exchange, so two copies of
 * the job (a redelivery) take turns, and the second finds it sent. A crash between the
 * server's acceptance and the commit can still send twice: the Message-ID stays the same,
 * so receivers see the duplicate for what it is.
 *
 * Throws to have the queue retry (a transient failure); a 5xx answer or the last attempt
 * marks the message failed instead.
 */
export async function deliverEmail(
  db: Db,
  settings: SettingsService,
  id: string,
  attempt: { last: boolean },
): Promise<void> {
  const failure = await db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('emailOutbox')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (row?.status !== 'queued') return null;
    // Fresh: a message must not be parked as stored because this process's cache predates the SMTP settings.
    const config = await settings.get({ fresh: true });
    // From its account (deleted since: the system sender), else the system SMTP settings.
    const sender = await senderFor(trx, config, row.accountId);
    if (!sender.smtp) {
      // The SMTP host was removed after the message was queued: it stays readable in the outbox.
      await trx.updateTable('emailOutbox').set({ status: 'stored' }).where('id', '=', id).execute();
      return null;
    }
    const mail: OutgoingMail = {
      messageId: row.messageId,
      from: sender.from,
      to: row.to,
      cc: row.cc,
      bcc: row.bcc,
      subject: row.subject,
      text: row.text,
      html: row.html,
      headers: row.headers,
    };
    try {
      const response = await sendSmtp(config, await withLogo(trx, config.appName, mail), sender.smtp);
      await trx
        .updateTable('emailOutbox')
        .set({
          status: 'sent',
          sentAt: new Date(),
          smtpResponse: response,
          attempts: row.attempts + 1,
          lastError: null,
        })
        .where('id', '=', id)
        .execute();
      return null;
    } catch (error) {
      const problem = smtpFailure(error);
      const final = problem.permanent || attempt.last;
      await trx
        .updateTable('emailOutbox')
        .set({ attempts: row.attempts + 1, lastError: problem.message, ...(final && { status: 'failed' }) })
        .where('id', '=', id)
        .execute();
      return final ? null : problem;
    }
  });
  if (failure) throw new Error(`email ${id} not delivered: ${failure.message}`);
}

/** The delivery worker, with retries and exponential backoff from the queue's policy. */
export async function startEmailWorker(
  boss: PgBoss,
  db: Db,
  settings: SettingsService,
  policy: { retryLimit?: number; retryDelaySeconds?: number } = {},
): Promise<void> {
  await boss.createQueue(emailQueue, {
    retryLimit: policy.retryLimit ?? 8,
    retryDelay: policy.retryDelaySeconds ?? 30,
    retryBackoff: true,
    retryDelayMax: 6 * 3600,
    heartbeatSeconds: 10,
  });
  // A worker killed mid-delivery stops beating: its job is retried in seconds, not after
  // pg-boss's 15-minute expiry (the queue may predate the option: updated too).
  await boss.updateQueue(emailQueue, { heartbeatSeconds: 10 });
  await boss.work<EmailJob, unknown, { includeMetadata: true; pollingIntervalSeconds: number }>(
    emailQueue,
    { includeMetadata: true, pollingIntervalSeconds: 0.5 },
    async ([job]) => {
      if (job) await deliverEmail(db, settings, job.data.id, { last: job.retryCount >= job.retryLimit });
    },
  );
}

const summary = [
  'id',
  'messageId',
  'fromAddress',
  'to',
  'cc',
  'bcc',
  'subject',
  'status',
  'attempts',
  'lastError',
  'smtpResponse',
  'module',
  'recordId',
  'runId',
  'createdAt',
  'sentAt',
] as const;

export async function listOutbox(
  db: Db,
  query: { limit: number; cursor?: string | undefined; status?: string | undefined },
) {
  const after = decodeCursor(query.cursor, ['timestamp', 'uuid']);
  let select = db.selectFrom('emailOutbox').select(summary);
  if (query.status) select = select.where('status', '=', query.status as 'stored');
  if (after) {
    const [createdAt, id] = after;
    select = select.where((eb) =>
      eb(eb.refTuple('createdAt', 'id'), '<', eb.tuple(new Date(String(createdAt)), String(id))),
    );
  }
  const rows = await select
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id]);
}

export async function getOutboxMessage(db: Db, id: string) {
  const row = await db
    .selectFrom('emailOutbox')
    .select([...summary, 'text', 'html'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw notFound('email');
  return row;
}

/**
 * Sends a message now, with the current settings, bypassing the outbox: the admin sees at
 * once what the server said. A refusal is a 422 that quotes it.
 */
export async function sendTestEmail(db: Db, settings: Settings, to: string): Promise<{ response: string }> {
  const recipients = parseAddressList('to', to);
  if (recipients.length === 0) throw invalid('to', 'names no recipient');
  if (!settings.smtpHost) throw invalid('smtpHost', 'is not set: messages stay in the built-in outbox');
  try {
    const response = await sendSmtp(
      settings,
      await withLogo(db, settings.appName, {
        messageId: `<test-${randomUUID()}@${senderOf(settings).address.split('@')[1] ?? 'weft'}>`,
        from: senderOf(settings),
        to: recipients,
        cc: [],
        bcc: [],
        subject: `${settings.appName}: test email`,
        text: `This is a test email from ${settings.appName}. Outgoing email works.`,
        html: null,
      }),
    );
    return { response };
  } catch (error) {
    const problem = smtpFailure(error);
    throw new WeftError(
      'UNPROCESSABLE',
      `the SMTP server at ${settings.smtpHost}:${settings.smtpPort} did not take the message: ${problem.message}`,
      { code: problem.code, responseCode: problem.responseCode },
    );
  }
}
