/** The public pages a recipient sees (unsubscribe, done, not found), plain HTML with no script. */

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => escapes[c] as string);

/**
 * Admin-written page text: kept as written except for what could run (script, style and
 * iframe elements, event handlers, javascript: URLs), since images and links are welcome.
 */
export function adminHtml(text: string): string {
  return text
    .replace(/<\s*(script|style|iframe|object|embed)\b[\s\S]*?<\s*\/\s*\1\s*>/gi, '')
    .replace(/<\s*(script|style|iframe|object|embed)\b[^>]*>/gi, '')
    .replace(/\son\w+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, '')
    .replace(/(href|src)\s*=\s*(["']?)\s*javascript:/gi, '$1=$2#');
}

export function page(appName: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(appName)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222;line-height:1.5}
fieldset{border:1px solid #ccc;border-radius:6px;padding:1rem}label{display:block;margin:.4rem 0}
button{margin-top:1rem;padding:.5rem 1.2rem;font-size:1rem;border-radius:6px;border:0;background:#1c7ed6;color:#fff;cursor:pointer}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

/** The "do not email" page: the admin's text with (PLACE_OPP) replaced by the categories to choose from. */
export function unsubscribePage(
  appName: string,
  text: string,
  token: string,
  address: string,
  categories: readonly string[],
): string {
  const options =
    `<fieldset><legend>Unsubscribe ${escapeHtml(address)} from</legend>` +
    categories
      .map(
        (category) =>
          `<label><input type="checkbox" name="category" value="${escapeHtml(category)}"> ${escapeHtml(category)}</label>`,
      )
      .join('') +
    `<label><input type="checkbox" name="all" value="1"> All email from us</label></fieldset>`;
  const body = adminHtml(text);
  const withOptions = body.includes('(PLACE_OPP)')
    ? body.replace('(PLACE_OPP)', options)
    : `${body}${options}`;
  return page(
    appName,
    'Email preferences',
    `<form method="post" action="/api/t/u/${encodeURIComponent(token)}">${withOptions}<button type="submit">Unsubscribe</button></form>`,
  );
}
