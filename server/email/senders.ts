import { createRequire } from 'node:module';
import type * as Nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { Settings } from '../../schemas/settings.ts';
import type { Db } from '../db/index.ts';
import { invalid, notFound, WeftError } from '../platform/errors.ts';
import { type SmtpServer, senderOf, systemSmtp } from './email-transport.ts';
import { decryptSecret } from './secrets.ts';

/** nodemailer, loaded by the first mail sent rather than at start (about 4 MB resident; issue 19's memory target). */
const nodemailer = () => createRequire(import.meta.url)('nodemailer') as typeof Nodemailer;

/**
 * Where a mail goes out from. The accounts themselves are managed by marketing
 * (server/marketing/accounts.ts: shared ones, owner null, and each user's own); this is what
 * sending needs of them: the From, the signature, the SMTP server with its password.
 */

/** Where mail goes out from: an account, or the system SMTP settings. */
export interface Sender {
  /** The account (null: the system settings). */
  accountId: string | null;
  from: { name: string | null; address: string };
  signature: string | null;
  smtp: SmtpServer | null;
}

/** An account's sender (null id: the system settings), with its password decrypted for the transport. */
export async function senderFor(db: Db, settings: Settings, accountId: string | null): Promise<Sender> {
  const account = accountId
    ? await db.selectFrom('emailAccounts').selectAll().where('id', '=', accountId).executeTakeFirst()
    : undefined;
  if (accountId && !account) throw notFound('Email account');
  if (account) {
    return {
      accountId: account.id,
      from: { name: account.fromName, address: account.fromAddress },
      signature: settings.emailSignatureMode === 'user' ? account.signature : settings.emailSignature,
      smtp: {
        host: account.host,
        port: account.port,
        security: account.security,
        user: account.username,
        password: account.passwordCipher ? await decryptSecret(db, account.passwordCipher) : null,
      },
    };
  }
  return {
    accountId: null,
    from: senderOf(settings),
    signature: settings.emailSignature,
    smtp: systemSmtp(settings),
  };
}

/**
 * Who a mail is from, as its writer says it:
 * - `account`: that sending account;
 * - `user`: that user's own account (X2CRM: the user's email account and signature), the
 *   system sender when they have none (a group, or a user without an account);
 * - `role`: the account the settings name for notifications, web-lead or case responses
 *   (the system sender when the setting is empty).
 * Absent: the system sender.
 */
export type EmailFrom =
  | { account: string }
  | { user: string | null }
  | { role: 'notification' | 'webLead' | 'case' };

const roleSetting = {
  notification: 'notificationEmailAccountId',
  webLead: 'webLeadEmailAccountId',
  case: 'caseEmailAccountId',
} as const;

/** The account a mail is to go out from (null: the system settings). */
export async function accountOf(db: Db, settings: Settings, from: EmailFrom | null | undefined) {
  if (!from) return null;
  if ('account' in from) return from.account;
  if ('role' in from) return settings[roleSetting[from.role]] ?? null;
  if (!from.user) return null;
  const own = await db
    .selectFrom('emailAccounts')
    .select('id')
    .where('ownerId', '=', from.user)
    .orderBy('createdAt')
    .orderBy('id')
    .executeTakeFirst();
  return own?.id ?? null;
}

/** The sender of a mail from `from`: an account that does not exist is a 400 naming the field. */
export async function resolveSender(
  db: Db,
  settings: Settings,
  from: EmailFrom | null | undefined,
  field = 'from',
): Promise<Sender> {
  const accountId = await accountOf(db, settings, from);
  try {
    return await senderFor(db, settings, accountId);
  } catch (error) {
    if (accountId && error instanceof WeftError && error.kind === 'NOT_FOUND')
      throw invalid(field, `names the email account ${accountId}, which does not exist`);
    throw error;
  }
}

const entities: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&nbsp;': ' ',
};

/** A signature's HTML as plain text, for the text body. */
export function signatureText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (entity) => entities[entity] ?? entity)
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The bodies with the signature appended: the HTML before `</body>`, the text after the `-- ` delimiter. */
export function withSignature<T extends { text: string | null; html: string | null }>(
  mail: T,
  signature: string | null,
): T {
  if (!signature?.trim()) return mail;
  const block = `<div class="weft-signature">${signature}</div>`;
  const html =
    mail.html === null
      ? null
      : /<\/body>/i.test(mail.html)
        ? mail.html.replace(/<\/body>/i, `${block}</body>`)
        : mail.html + block;
  const text = mail.text === null ? null : `${mail.text}\n\n-- \n${signatureText(signature)}\n`;
  return { ...mail, html, text };
}

/** Transport options for a sender's SMTP server. */
export function transportOptions(smtp: NonNullable<Sender['smtp']>) {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    ...(smtp.user && { auth: { user: smtp.user, pass: smtp.password ?? '' } }),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
}

/** A pooled transport for a run of bulk mail: a few connections kept open, many messages each. */
export function pooledTransport(smtp: NonNullable<Sender['smtp']>, connections = 4): Transporter {
  return nodemailer().createTransport({
    pool: true,
    maxConnections: connections,
    maxMessages: 1000,
    ...transportOptions(smtp),
  });
}
