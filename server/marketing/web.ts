import { randomUUID } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { inTransaction } from '../db/transaction.ts';
import { emitEvent } from '../platform/events.ts';
import { signingKey, signToken, verifyToken } from './keys.ts';

/**
 * Web activity. The tracker snippet (`GET /api/t/web.js`) keeps a visitor id in a
 * first-party cookie of the customer's site and reports each page view. A visitor becomes
 * a record when they arrive through a tracked link (the redirect adds `weft_v`, a token
 * signed for that mail, to links to `webTrackingHosts`) or submit a web form (the form's
 * handler calls `identifyVisitor`); from then on their page views are kept on the record
 * and emit `web.activity` for flows.
 */

/** The link a click redirects to, with the visitor token when it leads to our website. */
export async function withVisitorToken(db: Db, url: string, messageId: string, hosts: readonly string[]) {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (!hosts.some((host) => host.toLowerCase() === parsed.hostname.toLowerCase())) return url;
  parsed.searchParams.set('weft_v', signToken(await signingKey(db), messageId, 'v'));
  return parsed.toString();
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface Visit {
  visitor?: string | null | undefined;
  link?: string | null | undefined;
  url: string;
  referrer?: string | null | undefined;
}

/** Records a page view; answers the visitor id for the cookie. */
export async function recordVisit(db: Db, visit: Visit): Promise<{ visitor: string; recognised: boolean }> {
  const key = await signingKey(db);
  const fromLink = visit.link ? verifyToken(key, visit.link) : null;
  return inTransaction(db, async (trx) => {
    let visitor =
      visit.visitor && uuidPattern.test(visit.visitor)
        ? await trx.selectFrom('webVisitors').selectAll().where('id', '=', visit.visitor).executeTakeFirst()
        : undefined;
    if (!visitor) {
      visitor = await trx
        .insertInto('webVisitors')
        .values({ id: randomUUID() })
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    if (fromLink?.purpose === 'v') {
      const message = await trx
        .selectFrom('marketingMessages')
        .select(['module', 'recordId', 'campaignId'])
        .where('id', '=', fromLink.messageId)
        .executeTakeFirst();
      if (message?.recordId) {
        visitor = await trx
          .updateTable('webVisitors')
          .set({ module: message.module, recordId: message.recordId, campaignId: message.campaignId })
          .where('id', '=', visitor.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        // Their page views from before the click were anonymous: now they are the record's.
        await trx
          .updateTable('webActivity')
          .set({ module: message.module, recordId: message.recordId, campaignId: message.campaignId })
          .where('visitorId', '=', visitor.id)
          .where('recordId', 'is', null)
          .execute();
      }
    }
    await trx.updateTable('webVisitors').set({ seenAt: new Date() }).where('id', '=', visitor.id).execute();
    if (!visitor.recordId) {
      // Kept without a record: should the visitor submit a web form later, it lands on their contact.
      await trx
        .insertInto('webActivity')
        .values({
          visitorId: visitor.id,
          url: visit.url.slice(0, 2000),
          referrer: visit.referrer?.slice(0, 2000) || null,
        })
        .execute();
      return { visitor: visitor.id, recognised: false };
    }
    await trx
      .insertInto('webActivity')
      .values({
        visitorId: visitor.id,
        module: visitor.module,
        recordId: visitor.recordId,
        campaignId: visitor.campaignId,
        url: visit.url.slice(0, 2000),
        referrer: visit.referrer?.slice(0, 2000) || null,
      })
      .execute();
    await emitEvent(trx, {
      type: 'web.activity',
      module: visitor.module,
      recordId: visitor.recordId,
      payload: { url: visit.url.slice(0, 2000), campaignId: visitor.campaignId, visitorId: visitor.id },
      actorId: null,
    });
    return { visitor: visitor.id, recognised: true };
  });
}

/**
 * A web form's processing names the record a visitor turned out to be (forms/form-process.ts
 * `onFormVisitor`): their page views from before, kept without a record, land on it too.
 */
export async function identifyVisitor(db: Db, visitorId: string, module: string, recordId: string) {
  if (!uuidPattern.test(visitorId)) return;
  await db
    .insertInto('webVisitors')
    .values({ id: visitorId, module, recordId })
    .onConflict((oc) => oc.column('id').doUpdateSet({ module, recordId }))
    .execute();
  await db
    .updateTable('webActivity')
    .set({ module, recordId })
    .where('visitorId', '=', visitorId)
    .where('recordId', 'is', null)
    .execute();
}

export async function webActivityOf(db: Db, module: string, recordId: string) {
  const items = await db
    .selectFrom('webActivity')
    .select(['id', 'url', 'referrer', 'campaignId', 'at'])
    .where('module', '=', module)
    .where('recordId', '=', recordId)
    .orderBy('at', 'desc')
    .limit(200)
    .execute();
  return { items };
}

/**
 * Asks the flows for content for a visitor on a page: writes the request and its
 * `web.contentRequested` event, then waits until a flow's "Push web content" answers or
 * the timeout passes (null: the page keeps its default).
 */
export async function requestContent(
  db: Db,
  request: { visitor?: string | null | undefined; url: string },
  timeoutMs: number,
): Promise<{ content: string | null }> {
  const visitor =
    request.visitor && uuidPattern.test(request.visitor)
      ? await db.selectFrom('webVisitors').selectAll().where('id', '=', request.visitor).executeTakeFirst()
      : undefined;
  const id = await inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('webContentRequests')
      .values({
        visitorId: visitor?.id ?? null,
        module: visitor?.module ?? null,
        recordId: visitor?.recordId ?? null,
        url: request.url.slice(0, 2000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await emitEvent(trx, {
      type: 'web.contentRequested',
      module: visitor?.recordId ? visitor.module : null,
      recordId: visitor?.recordId ?? null,
      payload: { requestId: row.id, url: request.url.slice(0, 2000) },
      actorId: null,
    });
    return row.id;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db
      .selectFrom('webContentRequests')
      .select(['content', 'answeredAt'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    if (row.answeredAt) return { content: row.content };
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Closed: an answer arriving later is refused, so the flow's step says it was not delivered.
  await db
    .updateTable('webContentRequests')
    .set({ answeredAt: new Date() })
    .where('id', '=', id)
    .where('answeredAt', 'is', null)
    .execute();
  const last = await db
    .selectFrom('webContentRequests')
    .select('content')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return { content: last.content };
}

export async function pushWebContent(db: Db, requestId: string, content: string) {
  if (!uuidPattern.test(requestId)) return { delivered: false };
  const updated = await db
    .updateTable('webContentRequests')
    .set({ content, answeredAt: new Date() })
    .where('id', '=', requestId)
    .where('answeredAt', 'is', null)
    .executeTakeFirst();
  return { delivered: Number(updated.numUpdatedRows) > 0 };
}

/** The snippet for the customer's website, pointing at Weft's public address. */
export function trackerScript(baseUrl: string): string {
  const base = JSON.stringify(baseUrl.replace(/\/+$/, ''));
  return `(function () {
  var base = ${base};
  function cookie() { var m = document.cookie.match(/(?:^|; )weft_vid=([^;]+)/); return m ? decodeURIComponent(m[1]) : null; }
  function post(path, data) {
    // text/plain keeps the request "simple": no CORS preflight.
    return fetch(base + path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(data) })
      .then(function (r) { return r.json(); });
  }
  var link = new URLSearchParams(location.search).get('weft_v');
  var visited = post('/api/t/web/visit', { visitor: cookie(), link: link, url: location.href, referrer: document.referrer })
    .then(function (answer) {
      document.cookie = 'weft_vid=' + encodeURIComponent(answer.visitor) + '; path=/; max-age=31536000; SameSite=Lax';
      return answer;
    });
  /** Fills each [data-weft-content] element with the flows' answer, keeping its own HTML as the default. */
  visited.then(function () {
    var slots = document.querySelectorAll('[data-weft-content]');
    Array.prototype.forEach.call(slots, function (slot) {
      post('/api/t/web/content', { visitor: cookie(), url: location.href }).then(function (answer) {
        if (answer.content) slot.innerHTML = answer.content;
      });
    });
  });
})();
`;
}
