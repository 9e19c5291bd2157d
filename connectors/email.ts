/**
 * Inbound email: a raw RFC 5322 message (from the SMTP listener or an IMAP mailbox) parsed
 * with mailparser into what the dropbox rules need, and the text rules that need no database
 * (X2CRM's "zap line breaks", the sender of a forwarded conversation, names from a display
 * name). A message that cannot be read says why (`parseError`) instead of throwing: it is
 * kept, never lost. Receiving and the rules themselves: server/inbound-mail/.
 */
import { createHash } from 'node:crypto';
import type { AddressObject, simpleParser } from 'mailparser';

export interface EmailAttachmentInfo {
  filename: string | null;
  contentType: string;
  size: number;
}

export interface ParsedEmail {
  /** The message's Message-ID, else one derived from its bytes (a resend is still recognised). */
  messageId: string;
  from: { address: string; name: string } | null;
  /** Bare, lower-cased addresses; `to` includes the SMTP envelope's recipients (Bcc). */
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  attachments: EmailAttachmentInfo[];
  headers: Map<string, unknown>;
  /** The message's own MIME type (a bounce is multipart/report). */
  contentType: string | null;
  parseError: string | null;
}

const bare = (list: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(list) ? list : list ? [list] : [])
    .flatMap((group) => group.value)
    .flatMap((entry) => (entry.group ? entry.group : [entry]))
    .map((entry) => (entry.address ?? '').toLowerCase())
    .filter(Boolean);

const rawHeader = (raw: Buffer, name: string) =>
  new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(raw.subarray(0, 64 * 1024).toString('latin1'))?.[1]?.trim();

export async function parseEmail(raw: Buffer, envelopeTo: string[] = []): Promise<ParsedEmail> {
  let parsed: Awaited<ReturnType<typeof simpleParser>> | undefined;
  let parseError: string | null = null;
  try {
    // Loaded on the first message, not at start: mailparser holds about 7 MB resident (issue 19).
    const { simpleParser: parse } = await import('mailparser');
    parsed = await parse(raw, { skipHtmlToText: false, skipTextToHtml: true, skipImageLinks: true });
    if (!parsed.from && !parsed.messageId && !parsed.subject && parsed.headers.size === 0)
      parseError = 'no header could be read: this is not a MIME message';
  } catch (error) {
    parseError = (error as Error).message;
  }
  const from = parsed?.from?.value[0];
  return {
    messageId:
      parsed?.messageId ??
      rawHeader(raw, 'Message-ID') ??
      `<${createHash('sha256').update(raw).digest('hex')}@weft.no-message-id>`,
    from: from?.address ? { address: from.address.toLowerCase(), name: from.name ?? '' } : null,
    to: [...new Set([...bare(parsed?.to), ...envelopeTo.map((address) => address.toLowerCase())])],
    cc: bare(parsed?.cc),
    subject: parsed?.subject ?? '',
    text: parsed?.text ?? '',
    attachments: (parsed?.attachments ?? []).map((attachment) => ({
      filename: attachment.filename ?? null,
      contentType: attachment.contentType,
      size: attachment.size,
    })),
    headers: parsed?.headers ?? new Map(),
    contentType: (parsed?.headers.get('content-type') as { value?: string } | undefined)?.value ?? null,
    parseError,
  };
}

/** Joins the lines of each paragraph (X2CRM's "zap line breaks"); blank lines stay. */
export const zapLineBreaks = (text: string) =>
  text
    .replace(/\r\n/g, '\n')
    .split(/\n{2,}/)
    .map((paragraph) => paragraph.replace(/\s*\n\s*/g, ' ').trim())
    .join('\n\n');

/** The original sender of a forwarded conversation, from the forwarded header block. */
export function forwardedSender(text: string): { address: string; name: string } | null {
  const line = /^(?:>\s*)?From:\s*(.+)$/im.exec(text)?.[1]?.trim();
  if (!line) return null;
  const angled = /^(.*?)\s*<([^\s<>@]+@[^\s<>]+)>$/.exec(line);
  if (angled?.[2])
    return { address: angled[2].toLowerCase(), name: (angled[1] ?? '').replace(/"/g, '').trim() };
  return /^[^\s<>@]+@[^\s<>]+$/.test(line) ? { address: line.toLowerCase(), name: '' } : null;
}

/** "Ann Lee" → Ann / Lee; without a display name, the address's local part (when allowed). */
export function namesOf(address: string, display: string, withoutNames: boolean) {
  const parts = display.replace(/["']/g, '').trim().split(/\s+/).filter(Boolean);
  if (parts.length >= 2) return { firstName: parts.slice(0, -1).join(' '), lastName: parts.at(-1) as string };
  if (parts.length === 1) return { firstName: parts[0] as string, lastName: '-' };
  if (!withoutNames) return null;
  const local = address.split('@')[0] ?? address;
  return { firstName: local, lastName: '-' };
}
