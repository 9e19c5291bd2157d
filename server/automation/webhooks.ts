import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { sql } from 'kysely';
import { verifierOf } from '../../connectors/services.ts';
import { slackChallenge } from '../../connectors/slack.ts';
import { activeMapping, type WebhookTriggerParams } from '../../engine/nodes/triggers/webhook.ts';
import type { Flow } from '../../schemas/flow.ts';
import type { Db } from '../db/index.ts';
import type { WebhookLogStatus } from '../db/types.ts';
import { type Actor, audit } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import { conflict, invalid, notFound, WeftError } from '../platform/errors.ts';
import { emitEvent } from '../platform/events.ts';
import { unstorable } from '../plugins/nul-guard.ts';
import { applyMapping, type MappingOutcome } from './webhook-mapping.ts';

/** Headers a flow never sees: credentials of whoever sits in front of the sender. */
const privateHeaders = new Set(['cookie', 'authorization', 'proxy-authorization']);
/** A refused delivery's body is kept for the log only when small: refusals cost an attacker nothing. */
const refusedBodyBytes = 8 * 1024;
/** Refused deliveries kept per flow (the newest). */
const refusedKept = 200;

export type WebhookReceipt =
  | { duplicate: false; deliveryId: string; eventId: number; recordId?: string }
  | { duplicate: true; deliveryId: string }
  | { challenge: string };

interface WebhookFlow {
  id: string;
  name: string;
  active: boolean;
  secret: string;
  createdBy: string | null;
  /** The published version whose trigger `params` are; null: the draft's. */
  version: number | null;
  params: WebhookTriggerParams;
}

/**
 * Active webhook flows with a published version, as last read: a delivery verifies against
 * this copy and its accepting statement writes only if the flow row still says the same
 * (active, same secret, same published version); else the delivery is verified again
 * against the row read afresh. A copy never lets through what the row would refuse, and
 * saves a read per delivery (issue 19's webhook path).
 */
const knownFlows = new Map<string, WebhookFlow>();

/** The trigger params of published versions, which never change: read once per process. */
const publishedParams = new Map<string, WebhookTriggerParams>();
const maxPublished = 1000;

const triggerParams = (trigger: Flow['trigger']): WebhookTriggerParams =>
  (trigger.type === 'trigger.webhook' ? trigger.params : {}) as WebhookTriggerParams;

async function webhookFlow(db: Db, flowId: string): Promise<WebhookFlow> {
  // The flow row without the definitions: a delivery reads the published trigger from memory.
  const flow = await db
    .selectFrom('flows')
    .select(['id', 'name', 'active', 'triggerType', 'webhookSecret', 'createdBy', 'publishedVersion'])
    .where('id', '=', flowId)
    .executeTakeFirst();
  if (!flow?.webhookSecret || flow.triggerType !== 'trigger.webhook') throw notFound('Webhook flow');
  return {
    id: flow.id,
    name: flow.name,
    active: flow.active,
    secret: flow.webhookSecret,
    createdBy: flow.createdBy,
    version: flow.publishedVersion,
    params: await webhookParams(db, flowId, flow.publishedVersion),
  };
}

/** The published version decides how deliveries are verified; a draft only until one is published. */
async function webhookParams(db: Db, flowId: string, version: number | null): Promise<WebhookTriggerParams> {
  const key = `${flowId}@${version}`;
  const known = version === null ? undefined : publishedParams.get(key);
  if (known) return known;
  if (version === null) {
    const row = await db.selectFrom('flows').select('draft').where('id', '=', flowId).executeTakeFirst();
    return row ? triggerParams(row.draft.trigger) : ({} as WebhookTriggerParams);
  }
  const row = await db
    .selectFrom('flowVersions')
    .select('definition')
    .where('flowId', '=', flowId)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) return {} as WebhookTriggerParams;
  const params = triggerParams(row.definition.trigger);
  if (publishedParams.size >= maxPublished) publishedParams.clear();
  publishedParams.set(key, params);
  return params;
}

function keptHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers)
      .filter(([name, value]) => !privateHeaders.has(name) && value !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]),
  );
}

/** JSON, or a urlencoded form (Slack commands, GitHub's form content type: a `payload` field holding JSON). */
export function parseBody(rawBody: Buffer, contentType: string | undefined): unknown {
  if (rawBody.length === 0) return null;
  const text = rawBody.toString('utf8');
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const fields = Object.fromEntries(new URLSearchParams(text));
    if (typeof fields.payload === 'string' && Object.keys(fields).length === 1) {
      try {
        return JSON.parse(fields.payload);
      } catch {
        return fields;
      }
    }
    return fields;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('body', 'is not JSON (nor an application/x-www-form-urlencoded form)');
  }
}

async function logRefusal(
  db: Db,
  flow: WebhookFlow,
  service: string,
  reason: string,
  rawBody: Buffer,
  contentType: string | undefined,
  headers: IncomingHttpHeaders,
): Promise<void> {
  let body: unknown = null;
  if (rawBody.length <= refusedBodyBytes) {
    try {
      body = parseBody(rawBody, contentType);
    } catch {
      body = { text: rawBody.toString('utf8') };
    }
  }
  await db.transaction().execute(async (trx) => {
    const [row] = await trx
      .insertInto('webhookLog')
      .values({
        flowId: flow.id,
        service,
        status: 'refused',
        reason,
        body: JSON.stringify(body),
        headers: JSON.stringify(keptHeaders(headers)),
      })
      .returning('id')
      .execute();
    if (row && row.id % 50 === 0) {
      await trx
        .deleteFrom('webhookLog')
        .where('flowId', '=', flow.id)
        .where('status', '=', 'refused')
        .where('id', '<=', row.id - refusedKept)
        .execute();
    }
  });
}

function ownerOf(db: Db, flow: WebhookFlow) {
  return async () => {
    const id =
      flow.createdBy ??
      (await db.selectFrom('users').select('id').orderBy('createdAt').executeTakeFirstOrThrow()).id;
    const principal: Principal = {
      id,
      username: `webhook:${flow.name}`,
      isAdmin: true,
      roleIds: [],
      groupIds: [],
      permissions: {},
    };
    return { principal, actor: { id, username: `webhook:${flow.name}` } satisfies Actor };
  };
}

/**
 * Stores a delivery with its `webhook.received` event (and the mapped record, when the flow
 * maps one) in one transaction; the caller answers after it commits.
 */
async function accept(
  trx: Db,
  flow: WebhookFlow,
  delivery: { service: string; deliveryId: string; body: unknown; headers: Record<string, string> },
  status: Extract<WebhookLogStatus, 'accepted' | 'replayed'>,
  replayOf: number | null,
): Promise<{ eventId: number; mapping: MappingOutcome | null }> {
  const mapped = activeMapping(flow.params.mapping);
  const mapping = mapped ? await applyMapping(trx, await ownerOf(trx, flow)(), mapped, delivery.body) : null;
  const recordId = mapping && 'recordId' in mapping ? (mapping.recordId ?? null) : null;
  const eventId = await emitEvent(trx, {
    type: 'webhook.received',
    module: mapping?.module ?? null,
    recordId,
    payload: { flowId: flow.id, ...delivery, ...(mapping ? { mapping } : {}) },
    actorId: null,
  });
  const reason =
    mapping === null
      ? null
      : mapping.action === 'failed'
        ? `record not written: ${mapping.error}`
        : mapping.action === 'skipped'
          ? `record skipped: ${mapping.reason}`
          : `record ${mapping.action}`;
  await trx
    .insertInto('webhookLog')
    .values({
      flowId: flow.id,
      service: delivery.service,
      deliveryId: delivery.deliveryId,
      status,
      reason,
      eventId,
      module: mapping?.module ?? null,
      recordId,
      body: JSON.stringify(delivery.body),
      headers: JSON.stringify(delivery.headers),
      replayOf,
    })
    .execute();
  return { eventId, mapping };
}

async function logDuplicate(
  db: Db,
  flowId: string,
  delivery: { service: string; deliveryId: string; headers: Record<string, string> },
): Promise<void> {
  await db
    .insertInto('webhookLog')
    .values({
      flowId,
      service: delivery.service,
      deliveryId: delivery.deliveryId,
      status: 'duplicate',
      reason: 'already received: nothing started',
      headers: JSON.stringify(delivery.headers),
    })
    .execute();
}

/**
 * A delivery whose flow maps no record: its key claimed, its `webhook.received` event and
 * its log row written by one statement (atomic as a transaction, in one round trip: issue
 * 19's webhook path). The event's id is taken first so that the claim carries it. Answers
 * the event's id, or null when the key was taken (a duplicate; a concurrent one waits on
 * the claim, then finds it taken).
 */
async function acceptUnmapped(
  db: Db,
  flow: WebhookFlow,
  delivery: { service: string; deliveryId: string; body: unknown; headers: Record<string, string> },
  dedupeKey: string,
  options: { remembered?: boolean } = {},
): Promise<number | null | 'changed'> {
  // A remembered flow: written only while the row is still as it was read (else 'changed').
  const current = options.remembered
    ? sql`(select 1 from flows where id = ${flow.id} and active and trigger_type = 'trigger.webhook'
        and webhook_secret = ${flow.secret} and published_version = ${flow.version})`
    : sql`(select 1)`;
  const { rows } = await sql<{ id: number | null; current: boolean }>`
    with claim as (
      insert into webhook_deliveries (flow_id, delivery_id, event_id)
      select ${flow.id}, ${dedupeKey}, nextval('events_id_seq') where exists ${current}
      on conflict (flow_id, delivery_id) do nothing
      returning event_id),
    event as (
      insert into events (id, type, payload)
      select event_id, 'webhook.received', jsonb_build_object(
        'flowId', ${flow.id}::text, 'service', ${delivery.service}::text,
        'deliveryId', ${delivery.deliveryId}::text, 'body', ${JSON.stringify(delivery.body)}::jsonb,
        'headers', ${JSON.stringify(delivery.headers)}::jsonb)
      from claim
      returning id, payload),
    logged as (
      insert into webhook_log (flow_id, service, delivery_id, status, event_id, body, headers)
      select ${flow.id}, ${delivery.service}, ${delivery.deliveryId}, 'accepted', id,
        payload->'body', payload->'headers'
      from event)
    select (select id from event) as id, exists ${current} as current`.execute(db);
  const row = rows[0];
  if (!row?.current) return 'changed';
  return row.id ?? null;
}

/**
 * A delivery to a remembered flow (`knownFlows`) that maps no record, accepted in one
 * statement when it verifies and the flow row is as remembered. Anything else (a refusal,
 * a mapping, a Slack challenge, a flow changed since) answers undefined, and the caller
 * goes the whole way with the row read afresh: refusals are only ever decided on that.
 */
async function receiveRemembered(
  db: Db,
  flow: WebhookFlow,
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
  nowMs: number,
): Promise<WebhookReceipt | undefined> {
  if (activeMapping(flow.params.mapping)) return undefined;
  const verifier = verifierOf(flow.params.service);
  if (verifier.service === 'slack') return undefined;
  const verified = verifier.verify({
    secret: flow.secret,
    rawBody,
    headers,
    nowMs,
    options: { secretHeader: flow.params.secretHeader, deliveryHeader: flow.params.deliveryHeader },
  });
  if (!verified.ok) return undefined;
  let body: unknown;
  try {
    body = parseBody(rawBody, headers['content-type']);
  } catch {
    return undefined;
  }
  if (unstorable(body, 'body')) return undefined;
  const { deliveryId, dedupeKey } = verified;
  const delivery = { service: verifier.service, deliveryId, body, headers: keptHeaders(headers) };
  const eventId = await acceptUnmapped(db, flow, delivery, dedupeKey, { remembered: true });
  if (eventId === 'changed') return undefined;
  if (eventId !== null) return { duplicate: false, deliveryId, eventId };
  await logDuplicate(db, flow.id, delivery);
  return { duplicate: true, deliveryId };
}

/**
 * An inbound delivery for a flow with the webhook trigger. Verified as the flow's sender
 * signs (connectors/), then stored with its event in one transaction before the caller
 * answers: an acknowledged delivery is never lost, and a repeated one (same key: a signed
 * delivery id, a signed event id, or the signature) is recognised and starts nothing.
 * Refusals are logged (the newest 200 per flow) with their reason.
 */
export async function receiveWebhook(
  db: Db,
  flowId: string,
  rawBody: Buffer,
  headers: IncomingHttpHeaders,
  nowMs: number,
): Promise<WebhookReceipt> {
  const remembered = knownFlows.get(flowId);
  if (remembered) {
    const receipt = await receiveRemembered(db, remembered, rawBody, headers, nowMs);
    if (receipt) return receipt;
    knownFlows.delete(flowId);
  }
  const flow = await webhookFlow(db, flowId);
  if (flow.active && flow.version !== null) {
    if (knownFlows.size >= maxPublished) knownFlows.clear();
    knownFlows.set(flowId, flow);
  }
  const verifier = verifierOf(flow.params.service);
  const service = verifier.service;
  const contentType = headers['content-type'];
  const verified = verifier.verify({
    secret: flow.secret,
    rawBody,
    headers,
    nowMs,
    options: { secretHeader: flow.params.secretHeader, deliveryHeader: flow.params.deliveryHeader },
  });
  if (!verified.ok) {
    await logRefusal(
      db,
      flow,
      service,
      `${verified.header} ${verified.reason}`,
      rawBody,
      contentType,
      headers,
    );
    throw new WeftError('UNAUTHENTICATED', `${verified.header} ${verified.reason}`, [
      { field: verified.header, reason: verified.reason },
    ]);
  }
  let body: unknown;
  try {
    body = parseBody(rawBody, contentType);
  } catch (error) {
    await logRefusal(db, flow, service, 'body is not JSON', rawBody, contentType, headers);
    throw error;
  }
  // Signed or not, a NUL, half a surrogate pair or absurd nesting cannot be stored (a 500 in SQL):
  // refused, and logged without the body.
  const unfit = unstorable(body, 'body');
  if (unfit) {
    await logRefusal(db, flow, service, unfit.message, Buffer.alloc(0), contentType, headers);
    throw unfit;
  }
  // Slack checks a new request URL before sending events to it.
  const challenge = service === 'slack' ? slackChallenge(body) : undefined;
  if (challenge !== undefined) return { challenge };
  // Refused rather than stored: a sender that retries later reaches the flow once it is active again.
  if (!flow.active) {
    await logRefusal(db, flow, service, 'the flow is not active', rawBody, contentType, headers);
    throw conflict('flow', 'is not active; the delivery was not stored');
  }
  const { deliveryId, dedupeKey } = verified;
  const delivery = { service, deliveryId, body, headers: keptHeaders(headers) };
  if (!activeMapping(flow.params.mapping)) {
    const eventId = await acceptUnmapped(db, flow, delivery, dedupeKey);
    if (typeof eventId === 'number') return { duplicate: false, deliveryId, eventId };
    await logDuplicate(db, flowId, delivery);
    return { duplicate: true, deliveryId };
  }
  return db.transaction().execute(async (trx) => {
    // Claiming the key first: a concurrent duplicate waits on it, then finds it taken.
    const claimed = await trx
      .insertInto('webhookDeliveries')
      .values({ flowId, deliveryId: dedupeKey })
      .onConflict((oc) => oc.columns(['flowId', 'deliveryId']).doNothing())
      .returning('deliveryId')
      .executeTakeFirst();
    if (!claimed) {
      await logDuplicate(trx, flowId, delivery);
      return { duplicate: true, deliveryId };
    }
    const { eventId, mapping } = await accept(trx, flow, delivery, 'accepted', null);
    await trx
      .updateTable('webhookDeliveries')
      .set({ eventId })
      .where('flowId', '=', flowId)
      .where('deliveryId', '=', dedupeKey)
      .execute();
    const recordId = mapping && 'recordId' in mapping ? mapping.recordId : undefined;
    return { duplicate: false, deliveryId, eventId, ...(recordId ? { recordId } : {}) };
  });
}

/**
 * Replays a logged delivery (an admin's choice, so no signature is checked): its stored body
 * becomes a new event, mapped again with the flow's current mapping, under a new delivery id.
 */
export async function replayDelivery(
  db: Db,
  actor: Actor,
  flowId: string,
  logId: number,
): Promise<{ deliveryId: string; eventId: number; logId: number }> {
  const flow = await webhookFlow(db, flowId);
  const row = await db
    .selectFrom('webhookLog')
    .select(['id', 'service', 'body', 'headers', 'status'])
    .where('flowId', '=', flowId)
    .where('id', '=', logId)
    .executeTakeFirst();
  if (!row) throw notFound('Delivery');
  if (row.status === 'duplicate')
    throw new WeftError('UNPROCESSABLE', 'A duplicate keeps no body: replay the delivery it repeated');
  if (!flow.active) throw conflict('flow', 'is not active: activate it to replay deliveries');
  const deliveryId = `replay-${logId}-${randomUUID().slice(0, 8)}`;
  return db.transaction().execute(async (trx) => {
    const { eventId } = await accept(
      trx,
      flow,
      { service: row.service, deliveryId, body: row.body, headers: row.headers ?? {} },
      'replayed',
      logId,
    );
    const created = await trx
      .selectFrom('webhookLog')
      .select('id')
      .where('eventId', '=', eventId)
      .executeTakeFirstOrThrow();
    await audit(trx, actor, 'flow.webhook.replay', { type: 'flow', id: flowId }, { logId, deliveryId });
    return { deliveryId, eventId, logId: created.id };
  });
}

export interface DeliveryView {
  id: number;
  service: string;
  deliveryId: string | null;
  status: WebhookLogStatus;
  reason: string | null;
  eventId: number | null;
  module: string | null;
  recordId: string | null;
  runId: string | null;
  runStatus: string | null;
  replayOf: number | null;
  receivedAt: Date;
  body: unknown;
  headers: Record<string, string> | null;
}

/** A flow's deliveries, newest first, with the run each started; `cursor` is the last id seen. */
export async function listDeliveries(
  db: Db,
  flowId: string,
  query: { limit: number; cursor?: number | undefined; status?: WebhookLogStatus | undefined },
): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
  let select = db
    .selectFrom('webhookLog')
    .leftJoin('flowRuns', (join) =>
      join
        .onRef('flowRuns.eventId', '=', 'webhookLog.eventId')
        .onRef('flowRuns.flowId', '=', 'webhookLog.flowId'),
    )
    .select([
      'webhookLog.id',
      'webhookLog.service',
      'webhookLog.deliveryId',
      'webhookLog.status',
      'webhookLog.reason',
      'webhookLog.eventId',
      'webhookLog.module',
      'webhookLog.recordId',
      'webhookLog.replayOf',
      'webhookLog.receivedAt',
      'webhookLog.body',
      'webhookLog.headers',
      'flowRuns.id as runId',
      'flowRuns.status as runStatus',
    ])
    .where('webhookLog.flowId', '=', flowId)
    .orderBy('webhookLog.id', 'desc')
    .limit(query.limit + 1);
  if (query.cursor !== undefined) select = select.where('webhookLog.id', '<', query.cursor);
  if (query.status) select = select.where('webhookLog.status', '=', query.status);
  const rows = await select.execute();
  const items = rows.slice(0, query.limit) as DeliveryView[];
  const last = items.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? String(last.id) : null };
}

/** A new secret for a flow's webhook; the old one stops verifying at once. */
export async function rotateWebhookSecret(db: Db, actor: Actor, flowId: string): Promise<{ secret: string }> {
  return setWebhookSecret(db, actor, flowId, randomBytes(24).toString('base64url'), 'rotate');
}

/**
 * The secret a service gave (Stripe's whsec_…, Slack's signing secret, Shopify's app secret):
 * those services sign with their own, so the flow must verify with it.
 */
export async function setWebhookSecret(
  db: Db,
  actor: Actor,
  flowId: string,
  secret: string,
  how: 'rotate' | 'set' = 'set',
): Promise<{ secret: string }> {
  await db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('flows')
      .set({ webhookSecret: secret, updatedAt: new Date() })
      .where('id', '=', flowId)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw notFound('Flow');
    await audit(trx, actor, `flow.webhookSecret.${how}`, { type: 'flow', id: flowId });
  });
  return { secret };
}
