import { createRequire } from 'node:module';
import type * as Nodemailer from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import type { Settings } from '../../schemas/settings.ts';
import { invalid } from '../platform/errors.ts';

/** nodemailer, loaded by the first mail sent rather than at start (about 4 MB resident; issue 19's memory target). */
const nodemailer = () => createRequire(import.meta.url)('nodemailer') as typeof Nodemailer;

/** What an SMTP server said, or why it could not be asked. */
export interface SmtpFailure {
  message: string;
  code: string | null;
  responseCode: number | null;
  /** 5xx from the server: the message will never be taken, retrying is pointless. */
  permanent: boolean;
}

/** An SMTP server to talk to (the system settings', or a sending account's). */
export interface SmtpServer {
  host: string;
  port: number;
  security: 'none' | 'starttls' | 'tls';
  user: string | null;
  password: string | null;
}

/** The system SMTP settings as a server (null: none configured). */
export function systemSmtp(settings: Settings): SmtpServer | null {
  return settings.smtpHost
    ? {
        host: settings.smtpHost,
        port: settings.smtpPort,
        security: settings.smtpSecurity,
        user: settings.smtpUser,
        password: settings.smtpPassword,
      }
    : null;
}

export interface OutgoingMail {
  messageId: string;
  from: { name: string | null; address: string };
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text: string | null;
  html: string | null;
  /** Inline images the HTML refers to by `cid:` (the branding logo, email-branding.ts). */
  attachments?: Array<{
    filename: string;
    content: Buffer;
    contentType: string;
    cid: string;
    contentDisposition: 'inline';
  }>;
  /** Extra headers (List-Unsubscribe…). */
  headers?: Record<string, string> | null;
}

const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * The sender every message carries; a setting, else a placeholder an admin will want to change.
 * Without a sender name, the app's name (branding) is the name.
 */
export function senderOf(settings: Settings): { name: string | null; address: string } {
  return {
    name: settings.emailFromName ?? settings.appName,
    address: settings.emailFromAddress ?? 'weft@localhost',
  };
}

/**
 * Sends one message through an SMTP server (the system settings', or a sending account's
 * when given), on a connection of its own (a flow's email is not frequent enough to keep a
 * pool warm). Answers the server's reply.
 */
export async function sendSmtp(
  settings: Settings,
  mail: OutgoingMail,
  server: SmtpServer | null = systemSmtp(settings),
): Promise<string> {
  if (!server) throw new Error('no SMTP host is configured');
  const transport = nodemailer().createTransport({
    host: server.host,
    port: server.port,
    secure: server.security === 'tls',
    requireTLS: server.security === 'starttls',
    ignoreTLS: server.security === 'none',
    ...(server.user && { auth: { user: server.user, pass: server.password ?? '' } }),
    ...timeouts,
  });
  try {
    const info = await transport.sendMail({
      messageId: mail.messageId,
      from: mail.from.name ? { name: mail.from.name, address: mail.from.address } : mail.from.address,
      to: mail.to,
      cc: mail.cc,
      bcc: mail.bcc,
      subject: mail.subject,
      ...(mail.text !== null && { text: mail.text }),
      ...(mail.html !== null && { html: mail.html }),
      ...(mail.attachments && { attachments: mail.attachments }),
      ...(mail.headers && { headers: mail.headers }),
    });
    return String(info.response ?? '');
  } finally {
    transport.close();
  }
}

export function smtpFailure(error: unknown): SmtpFailure {
  const smtp = error as { code?: unknown; responseCode?: unknown; message?: unknown };
  const responseCode = typeof smtp.responseCode === 'number' ? smtp.responseCode : null;
  return {
    message: typeof smtp.message === 'string' ? smtp.message : String(error),
    code: typeof smtp.code === 'string' ? smtp.code : null,
    responseCode,
    permanent: responseCode !== null && responseCode >= 500 && responseCode < 600,
  };
}

// Deliberately plain: the SMTP server is the judge of what exists; this only stops typos.
const addressPattern = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;

/**
 * A comma-separated address field (`Ada <ada@example.com>, bob@example.com`) as a list of
 * `Name <address>` strings; any entry that is not an address is a 400 naming the field.
 */
export function parseAddressList(field: string, value: string | null | undefined): string[] {
  if (value === null || value === undefined || value.trim() === '') return [];
  const parsed = addressparser(value, { flatten: true });
  if (parsed.length === 0) throw invalid(field, `"${value.slice(0, 60)}" holds no email address`);
  return parsed.map((entry) => {
    if (!addressPattern.test(entry.address)) {
      throw invalid(field, `"${(entry.address || entry.name).slice(0, 60)}" is not an email address`);
    }
    return entry.name ? `"${entry.name.replaceAll('"', '')}" <${entry.address}>` : entry.address;
  });
}

/** The bare address of a `Name <address>` entry, lower-cased for comparison. */
export const bareAddress = (entry: string) => (/<([^>]+)>$/.exec(entry)?.[1] ?? entry).toLowerCase();
