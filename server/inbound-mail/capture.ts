import type { FromSchema } from 'json-schema-to-ts';
import { sql } from 'kysely';
import {
  forwardedSender,
  namesOf,
  type ParsedEmail,
  parseEmail,
  zapLineBreaks,
} from '../../connectors/email.ts';
import type { inboundMailSettings } from '../../schemas/inbound-mail.ts';
import type { Db } from '../db/index.ts';
import type { Actor } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import { emitEvent } from '../platform/events.ts';
import { createRecord } from '../records/records.ts';
import { recordsDb, tableOf } from '../studio/fields.ts';
import { getModule } from '../studio/modules.ts';

export type InboundMailSettings = FromSchema<
  typeof inboundMailSettings,
  { keepDefaultedPropertiesOptional: true }
>;

/** A message as the dropbox rules and other features' handlers see it. */
export interface InboundMessage extends Omit<ParsedEmail, 'parseError'> {
  id: string;
  source: string;
  /** The message as received, for handlers that read more than its parsed parts (bounce reports). */
  raw: Buffer;
}

/**
 * A feature's first look at each inbound message, inside its capturing transaction (the
 * marketing feature takes bounces and delivery reports this way). Answering `'handled'`
 * keeps the message from the dropbox rules.
 */
export type InboundHandler = (trx: Db, message: InboundMessage) => Promise<'handled' | undefined>;
const handlers: InboundHandler[] = [];
export function onInboundMessage(handler: InboundHandler): () => void {
  handlers.push(handler);
  return () => {
    const at = handlers.indexOf(handler);
    if (at >= 0) handlers.splice(at, 1);
  };
}

export interface CaptureInput {
  /** 'smtp', or the IMAP mailbox's id. */
  source: string;
  raw: Buffer;
  mailbox?: { id: string; uidValidity: number; uid: number; purpose: 'dropbox' | 'support' };
  /** The SMTP envelope's recipients (Bcc'd capture addresses show only there). */
  envelopeTo?: string[];
}

export type CaptureResult =
  | { duplicate: true; id: string }
  | {
      duplicate: false;
      id: string;
      status: 'captured' | 'ignored' | 'malformed';
      outcome: Record<string, unknown>;
    };

export async function readSettings(db: Db): Promise<InboundMailSettings> {
  const row = await db
    .selectFrom('inboundMailSettings')
    .select('settings')
    .where('id', '=', 1)
    .executeTakeFirst();
  return (row?.settings ?? {}) as InboundMailSettings;
}

/**
 * Captures one message: stored once per (source, Message-ID) — and per (mailbox, UID
 * validity, UID) for IMAP — then other features' handlers, then the dropbox rules, all in
 * the caller's transaction when it has one (the IMAP poller commits the mailbox's UID with
 * it). A message that cannot be parsed is kept, raw, with its parse error.
 */
export async function captureInboundMessage(db: Db, input: CaptureInput): Promise<CaptureResult> {
  const { parseError, ...parsed } = await parseEmail(input.raw, input.envelopeTo);
  const { messageId } = parsed;
  const message: Omit<InboundMessage, 'id'> = { source: input.source, raw: input.raw, ...parsed };
  const malformed = parseError !== null;
  const work = async (trx: Db): Promise<CaptureResult> => {
    const row = await trx
      .insertInto('inboundMessages')
      .values({
        source: input.source,
        mailboxId: input.mailbox?.id ?? null,
        uidValidity: input.mailbox?.uidValidity ?? null,
        uid: input.mailbox?.uid ?? null,
        messageId,
        fromAddress: message.from?.address ?? null,
        toAddresses: JSON.stringify(message.to),
        ccAddresses: JSON.stringify(message.cc),
        subject: message.subject || null,
        body: message.text || null,
        attachments: JSON.stringify(message.attachments),
        size: input.raw.length,
        status: malformed ? 'malformed' : 'captured',
        parseError,
        // The raw bytes are kept only when they could not be read: to look at, and to retry.
        raw: malformed ? input.raw : null,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) {
      const first = await trx
        .selectFrom('inboundMessages')
        .select('id')
        .where('source', '=', input.source)
        .where('messageId', '=', messageId)
        .executeTakeFirst();
      return { duplicate: true, id: first?.id ?? '' };
    }
    if (malformed) return { duplicate: false, id: row.id, status: 'malformed', outcome: {} };
    const full: InboundMessage = { ...message, id: row.id };
    for (const handler of handlers) {
      if ((await handler(trx, full)) === 'handled') {
        await setOutcome(trx, row.id, 'ignored', { handled: true });
        return { duplicate: false, id: row.id, status: 'ignored', outcome: { handled: true } };
      }
    }
    await sql`savepoint weft_dropbox`.execute(trx);
    let outcome: Record<string, unknown>;
    try {
      outcome = await applyRules(trx, full, await readSettings(trx), input.mailbox?.purpose);
      await sql`release savepoint weft_dropbox`.execute(trx);
    } catch (error) {
      // The message is kept; what its rules could not do is said next to it.
      await sql`rollback to savepoint weft_dropbox`.execute(trx);
      outcome = { error: (error as Error).message };
    }
    const status = Array.isArray(outcome.records) && outcome.records.length > 0 ? 'captured' : 'ignored';
    await setOutcome(trx, row.id, status, outcome);
    return { duplicate: false, id: row.id, status, outcome };
  };
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

async function setOutcome(
  trx: Db,
  id: string,
  status: 'captured' | 'ignored',
  outcome: Record<string, unknown>,
) {
  await trx
    .updateTable('inboundMessages')
    .set({ status, outcome: JSON.stringify(outcome) })
    .where('id', '=', id)
    .execute();
}

async function writer(trx: Db): Promise<{ principal: Principal; actor: Actor }> {
  const admin = await trx
    .selectFrom('users')
    .innerJoin('userRoles', 'userRoles.userId', 'users.id')
    .innerJoin('roles', 'roles.id', 'userRoles.roleId')
    .select('users.id')
    .where('roles.isAdmin', '=', true)
    .orderBy('users.createdAt')
    .executeTakeFirst()
    .catch(() => undefined);
  const id =
    admin?.id ??
    (await trx.selectFrom('users').select('id').orderBy('createdAt').executeTakeFirstOrThrow()).id;
  return {
    principal: { id, username: 'email capture', isAdmin: true, roleIds: [], groupIds: [], permissions: {} },
    actor: { id, username: 'email capture' },
  };
}

async function contactByEmail(trx: Db, email: string): Promise<string | undefined> {
  const row = await recordsDb(trx)
    .selectFrom(tableOf('contacts'))
    .select('id')
    .where(sql<boolean>`lower(email) = ${email.toLowerCase()}`)
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  return row ? String(row.id) : undefined;
}

async function applyRules(
  trx: Db,
  message: InboundMessage,
  settings: InboundMailSettings,
  purpose: 'dropbox' | 'support' | undefined,
): Promise<Record<string, unknown>> {
  if (!message.from) return { records: [], reason: 'no sender' };
  const recipients = [...message.to, ...message.cc];
  const capture = new Set((settings.captureAddresses ?? []).map((a) => a.toLowerCase()));
  const support = new Set((settings.supportAddresses ?? []).map((a) => a.toLowerCase()));
  const body = settings.zapLineBreaks ? zapLineBreaks(message.text) : message.text;
  const { principal, actor } = await writer(trx);
  const records: { module: string; id: string; created: boolean }[] = [];

  const contactFor = async (address: string, name: string) => {
    const found = await contactByEmail(trx, address);
    if (found) return { id: found, created: false };
    if (!settings.createContacts && purpose !== 'support' && !recipients.some((r) => support.has(r)))
      return null;
    const names = namesOf(
      address,
      name,
      settings.createContactsWithoutNames === true || purpose === 'support',
    );
    if (!names) return null;
    const created = await createRecord(
      trx,
      principal,
      actor,
      'contacts',
      {
        ...names,
        email: address,
        // A standard field an admin may have removed in Studio: set only when present.
        ...((await getModule(trx, 'contacts')).fields.some((field) => field.name === 'leadtype')
          ? { leadtype: 'E-Mail' }
          : {}),
      },
      { display: false },
    );
    return { id: String(created.id), created: true };
  };
  const log = async (module: string, recordId: string, direction: 'inbound' | 'outbound') => {
    await trx
      .insertInto('recordEmails')
      .values({
        module,
        recordId,
        direction,
        messageId: message.messageId,
        fromAddress: message.from?.address ?? null,
        toAddresses: JSON.stringify(message.to),
        subject: message.subject,
        body,
        attachments: JSON.stringify(message.attachments),
        inboundMessageId: message.id,
      })
      .execute();
    await emitEvent(trx, {
      type: 'email.inbound',
      module,
      recordId,
      payload: {
        messageId: message.messageId,
        from: message.from?.address,
        to: message.to,
        cc: message.cc,
        subject: message.subject,
        body,
        attachments: message.attachments,
      },
      actorId: null,
    });
  };

  // Mail to a support address opens a service case for its sender.
  if (purpose === 'support' || recipients.some((r) => support.has(r))) {
    const contact = await contactFor(message.from.address, message.from.name);
    const created = await createRecord(
      trx,
      principal,
      actor,
      'cases',
      {
        name: (message.subject || '(no subject)').slice(0, 255),
        description: body,
        origin: 'Email',
        status: 'New',
        ...(contact ? { contactId: contact.id } : {}),
      },
      { display: false },
    );
    if (contact) records.push({ module: 'contacts', id: contact.id, created: contact.created });
    records.push({ module: 'cases', id: String(created.id), created: true });
    await log('cases', String(created.id), 'inbound');
    return { kind: 'support', records };
  }

  // The dropbox: the contacts the conversation was with.
  const users = await trx
    .selectFrom('users')
    .select(sql<string>`lower(email)`.as('email'))
    .where('email', 'is not', null)
    .execute();
  const userAddresses = new Set(users.map((user) => user.email));
  const fromUser = userAddresses.has(message.from.address);
  let others: { address: string; name: string }[];
  if (fromUser) {
    others = recipients
      .filter((address) => !capture.has(address) && !support.has(address) && !userAddresses.has(address))
      .map((address) => ({ address, name: '' }));
    const forwarded = /^\s*(fwd?|fw):/i.test(message.subject) ? forwardedSender(message.text) : null;
    if (others.length === 0 && forwarded && !userAddresses.has(forwarded.address)) others = [forwarded];
  } else others = [{ address: message.from.address, name: message.from.name }];
  for (const other of others) {
    const contact = await contactFor(other.address, other.name);
    if (!contact) continue;
    records.push({ module: 'contacts', id: contact.id, created: contact.created });
    await log('contacts', contact.id, fromUser ? 'outbound' : 'inbound');
  }
  return { kind: 'dropbox', records, ...(records.length === 0 ? { reason: 'no contact matches' } : {}) };
}
