import { sql } from 'kysely';
import type { Attachment } from 'mailparser';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import type { InboundHandler, InboundMessage } from '../inbound-mail/capture.ts';
import { SettingsService } from '../platform/settings.ts';

/**
 * Bounces. `parseBounce` reads a delivery failure (an RFC 3464 DSN, multipart/report, or
 * the plain-text notices some servers send) into the failed recipients, their status and
 * the Message-ID of the mail that failed; `recordBounce` marks that mail bounced, counts
 * the address's bounces and, after `bounceDoNotEmailAfter` hard ones, unsubscribes it from
 * everything. Inbound mail (email capture) hands its messages here.
 */

export interface BounceRecipient {
  address: string;
  /** The enhanced status code (RFC 3463), e.g. 5.1.1; 5.x.x is permanent (hard). */
  status: string | null;
  action: string | null;
  diagnostic: string | null;
  hard: boolean;
}

export interface ParsedBounce {
  /** The Message-ID of the mail that bounced, when the report quotes it. */
  originalMessageId: string | null;
  recipients: BounceRecipient[];
}

/** Splits a DSN body into its blocks of header-style fields (the per-message one first). */
function fieldBlocks(text: string): Record<string, string>[] {
  const unfolded = text.replace(/\r\n/g, '\n').replace(/\n[ \t]+/g, ' ');
  return unfolded
    .split(/\n\s*\n/)
    .map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line.trim());
        if (match) fields[(match[1] as string).toLowerCase()] = (match[2] as string).trim();
      }
      return fields;
    })
    .filter((fields) => Object.keys(fields).length > 0);
}

const addressOf = (value: string) => {
  const bare = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  return bare.trim().replace(/^<|>$/g, '').toLowerCase();
};

const messageIdPattern = /^Message-ID:\s*(<[^>\s]+>)/im;

function contentOf(attachment: Attachment | undefined): string | null {
  if (!attachment) return null;
  return Buffer.isBuffer(attachment.content)
    ? attachment.content.toString('utf8')
    : String(attachment.content);
}

/**
 * The delivery-status part of a multipart/report, read from the raw message: mailparser
 * keeps message/delivery-status to itself. The part is 7-bit text by RFC 3464.
 */
function deliveryStatusPart(raw: string, boundary: string | undefined): string | null {
  if (!boundary) return null;
  for (const part of raw.split(`--${boundary}`)) {
    const split = part.search(/\r?\n\r?\n/);
    if (split === -1) continue;
    const headers = part.slice(0, split);
    if (/^content-type:\s*message\/(global-)?delivery-status/im.test(headers))
      return part.slice(split).trim();
  }
  return null;
}

export async function parseBounce(raw: string | Buffer): Promise<ParsedBounce | null> {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  // Loaded on the first bounce, not at start (connectors/email.ts says why).
  const { simpleParser } = await import('mailparser');
  const mail = await simpleParser(text, { skipHtmlToText: true, skipTextLinks: true, skipImageLinks: true });
  const parts = mail.attachments ?? [];
  const type = mail.headers.get('content-type') as
    | { value?: string; params?: Record<string, string> }
    | undefined;
  const statusText =
    type?.value?.toLowerCase() === 'multipart/report'
      ? deliveryStatusPart(text, type.params?.boundary)
      : null;
  const status = statusText ?? contentOf(parts.find((part) => /delivery-status/i.test(part.contentType)));
  const original = parts.find((part) =>
    /^(message\/rfc822|text\/rfc822-headers|message\/rfc822-headers)$/i.test(part.contentType),
  );
  const originalText = contentOf(original) ?? mail.text ?? '';
  const originalMessageId = messageIdPattern.exec(originalText)?.[1] ?? null;
  if (status) {
    const blocks = fieldBlocks(status);
    const recipients = blocks
      .filter((fields) => fields['final-recipient'] || fields['original-recipient'])
      .map((fields): BounceRecipient => {
        const code = /\d\.\d{1,3}\.\d{1,3}/.exec(fields.status ?? '')?.[0] ?? null;
        const action = fields.action?.toLowerCase() ?? null;
        return {
          address: addressOf(fields['final-recipient'] ?? fields['original-recipient'] ?? ''),
          status: code,
          action,
          diagnostic: fields['diagnostic-code'] ?? null,
          hard: action === 'failed' && (code?.startsWith('5') ?? true),
        };
      })
      .filter((recipient) => recipient.action === 'failed' || recipient.action === 'delayed');
    return { originalMessageId, recipients };
  }
  // No DSN part: a plain notice ("Undelivered Mail Returned to Sender", "Mail delivery failed").
  const subject = mail.subject ?? '';
  const from = mail.from?.value[0]?.address?.toLowerCase() ?? '';
  const looksLikeBounce =
    /undeliver|delivery (status notification|failure|has failed)|mail delivery failed|returned mail|failure notice/i.test(
      subject,
    ) || /^(mailer-daemon|postmaster)@/.test(from);
  if (!looksLikeBounce) return null;
  // The notice proper, without the copy of the original message that follows it.
  const body =
    (mail.text ?? '').split(/^-{3,}.*(?:copy of the message|original message|undelivered message).*$/im)[0] ??
    '';
  const code = /\b([45]\.\d{1,3}\.\d{1,3})\b/.exec(body)?.[1] ?? (/\b5\d\d\b/.exec(body) ? '5.0.0' : null);
  const addresses = [
    ...new Set(
      [...body.matchAll(/<?([^\s<>@"]+@[^\s<>@"]+\.[A-Za-z]{2,})>?/g)].map((m) =>
        (m[1] as string).toLowerCase(),
      ),
    ),
  ].filter((address) => address !== from);
  const address = addresses[0];
  if (!address) return null;
  return {
    originalMessageId,
    recipients: [
      { address, status: code, action: 'failed', diagnostic: null, hard: !code || code.startsWith('5') },
    ],
  };
}

/**
 * Marks the bounced mail (found by its Message-ID, else the address's latest sent mail)
 * bounced and counts the bounce; after enough hard bounces the address is unsubscribed
 * from everything. Answers the mail it marked, if any.
 */
export async function recordBounce(
  db: Db,
  bounce: { address: string; hard: boolean; messageId?: string | null; reason?: string | null },
): Promise<{ messageId: string | null; unsubscribed: boolean }> {
  const address = bounce.address.trim().toLowerCase();
  return inTransaction(db, async (trx) => {
    let select = trx
      .selectFrom('marketingMessages')
      .select(['id', 'campaignId'])
      .where(sql`lower(address)`, '=', address)
      .where('sentAt', 'is not', null)
      .orderBy('sentAt', 'desc')
      .limit(1);
    if (bounce.messageId) select = select.where('messageId', '=', bounce.messageId);
    const message = await select.executeTakeFirst();
    if (message) {
      await trx
        .updateTable('marketingMessages')
        .set({ state: 'bounced', bouncedAt: new Date(), lastError: bounce.reason ?? null })
        .where('id', '=', message.id)
        .execute();
      await trx
        .insertInto('marketingEvents')
        .values({ messageId: message.id, campaignId: message.campaignId, kind: 'bounce' })
        .execute();
    }
    const counted = await trx
      .insertInto('emailBounces')
      .values({
        address,
        hard: bounce.hard ? 1 : 0,
        soft: bounce.hard ? 0 : 1,
        lastReason: bounce.reason ?? null,
      })
      .onConflict((oc) =>
        oc.column('address').doUpdateSet((eb) => ({
          hard: eb('emailBounces.hard', '+', bounce.hard ? 1 : 0),
          soft: eb('emailBounces.soft', '+', bounce.hard ? 0 : 1),
          lastAt: new Date(),
          lastReason: bounce.reason ?? null,
        })),
      )
      .returning('hard')
      .executeTakeFirstOrThrow();
    const limit = (await new SettingsService(trx).get()).bounceDoNotEmailAfter;
    const unsubscribed = bounce.hard && limit !== null && counted.hard >= limit;
    if (unsubscribed) {
      await trx
        .insertInto('emailUnsubscribes')
        .values({ address, category: '*' })
        .onConflict((oc) => oc.columns(['address', 'category']).doNothing())
        .execute();
    }
    return { messageId: message?.id ?? null, unsubscribed };
  });
}

/** Reads a delivery failure and records each failed recipient; null when the mail is no bounce. */
export async function handleBounceMail(db: Db, raw: string | Buffer) {
  const parsed = await parseBounce(raw);
  if (!parsed) return null;
  const results = [];
  for (const recipient of parsed.recipients.filter((r) => r.action === 'failed'))
    results.push(
      await recordBounce(db, {
        address: recipient.address,
        hard: recipient.hard,
        messageId: parsed.originalMessageId,
        reason: recipient.diagnostic ?? recipient.status,
      }),
    );
  return { ...parsed, results };
}

/** What a delivery failure looks like before it is read: a report, or a notice from the mail system. */
const looksLikeBounce = (message: InboundMessage) =>
  message.contentType?.toLowerCase() === 'multipart/report' ||
  /^(mailer-daemon|postmaster)@/i.test(message.from?.address ?? '') ||
  /undeliver|delivery (status notification|failure|has failed)|failure notice|returned mail/i.test(
    message.subject,
  );

/**
 * Email capture's first look at each inbound message (registered in server/queue.ts): a
 * bounce report about mail Weft sent marks its recipients bounced and goes no further; any
 * other message goes on to the dropbox rules.
 */
export const bounceHandler: InboundHandler = async (trx, message) => {
  if (!looksLikeBounce(message)) return undefined;
  const bounce = await handleBounceMail(trx, message.raw);
  return bounce && bounce.results.length > 0 ? 'handled' : undefined;
};
