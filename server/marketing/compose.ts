import { signToken } from './keys.ts';
import { escapeHtml } from './pages.ts';

/**
 * Turns a rendered mail into a tracked one: every http(s) link of the HTML body goes
 * through the click endpoint (the token names the link's index in `links`, which is kept
 * with the message: a click can only ever lead to a link that was in that mail), an open
 * pixel, an unsubscribe link, and the one-click List-Unsubscribe headers (RFC 8058).
 */

export interface TrackedMail {
  html: string | null;
  text: string | null;
  links: string[];
  headers: Record<string, string>;
}

const hrefPattern = /(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?:\/\/[^"']+)\2/gi;

const decodeEntities = (url: string) => url.replaceAll('&amp;', '&');

export function trackMail(
  key: Buffer,
  baseUrl: string,
  messageId: string,
  mail: { html: string | null; text: string | null },
  options: {
    unsubscribeText: string;
    signature?: string | null;
    /** Marketing mail (the default): an unsubscribe link and the List-Unsubscribe headers; false: neither. */
    unsubscribe?: boolean;
  },
): TrackedMail {
  const unsubscribe = options.unsubscribe !== false;
  const base = baseUrl.replace(/\/+$/, '');
  const links: string[] = [];
  const unsubscribeUrl = `${base}/api/t/u/${signToken(key, messageId, 'u')}`;
  let html = mail.html;
  if (html !== null) {
    html = html.replace(hrefPattern, (_whole, start: string, quote: string, url: string) => {
      const target = decodeEntities(url);
      let index = links.indexOf(target);
      if (index === -1) index = links.push(target) - 1;
      return `${start}${quote}${base}/api/t/c/${signToken(key, messageId, `c${index}`)}${quote}`;
    });
    const footer =
      (options.signature ? `<div class="weft-signature">${options.signature}</div>` : '') +
      (unsubscribe
        ? `<p style="font-size:12px;color:#666"><a href="${unsubscribeUrl}">${escapeHtml(options.unsubscribeText)}</a></p>`
        : '') +
      `<img src="${base}/api/t/o/${signToken(key, messageId, 'o')}" width="1" height="1" alt="" style="display:block">`;
    html = /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${footer}</body>`) : html + footer;
  }
  const text =
    mail.text === null || !unsubscribe
      ? mail.text
      : `${mail.text}\n\n${options.unsubscribeText}: ${unsubscribeUrl}\n`;
  return {
    html,
    text,
    links,
    headers: unsubscribe
      ? {
          'List-Unsubscribe': `<${unsubscribeUrl}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        }
      : {},
  };
}
