/**
 * The branding logo in outgoing email (issue 17: "app name and logo shown on … emails"): every
 * message of the outbox — system messages such as invitations, flows' emails, web form
 * notifications — and the admin's test email carry the uploaded logo at the top of an HTML
 * part, as an inline image (CID) rather than a link, so mail clients that block remote images
 * still show it and no tracking request goes out. A text-only message gets an HTML alternative
 * of the same text under the logo; its text part is sent unchanged. Without a logo, nothing
 * changes. Marketing campaigns are the author's own design and are not touched.
 */
import type { Db } from '../db/index.ts';
import type { OutgoingMail } from './email-transport.ts';

/** The Content-ID the HTML part refers to. */
export const logoCid = 'branding-logo@weft';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const extensions: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** The message with the logo (when one is uploaded): an inline attachment and an HTML header. */
export async function withLogo(db: Db, appName: string, mail: OutgoingMail): Promise<OutgoingMail> {
  const logo = await db
    .selectFrom('brandingLogo')
    .select(['contentType', 'data'])
    .where('id', '=', 1)
    .executeTakeFirst();
  if (!logo) return mail;
  const header = `<div style="margin:0 0 16px 0"><img src="cid:${logoCid}" alt="${escapeHtml(appName)}" style="max-height:48px;max-width:240px;border:0"></div>`;
  let html: string;
  if (mail.html !== null) {
    // After <body …> when the author wrote a whole document; otherwise first.
    const body = /<body[^>]*>/i.exec(mail.html);
    html = body
      ? `${mail.html.slice(0, body.index + body[0].length)}${header}${mail.html.slice(body.index + body[0].length)}`
      : `${header}${mail.html}`;
  } else {
    html = `${header}<div style="white-space:pre-wrap;font-family:sans-serif">${escapeHtml(mail.text ?? '')}</div>`;
  }
  return {
    ...mail,
    html,
    attachments: [
      {
        filename: `logo.${extensions[logo.contentType] ?? 'img'}`,
        content: logo.data,
        contentType: logo.contentType,
        cid: logoCid,
        contentDisposition: 'inline',
      },
    ],
  };
}
