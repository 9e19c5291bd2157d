import {
  inboundMailSettings,
  mailboxBody,
  mailboxParams,
  mailboxPatch,
  messagesQuery,
  recordEmailBody,
  recordEmailParams,
} from '../../schemas/inbound-mail.ts';
import { queueEmail } from '../email/email.ts';
import { audit } from '../platform/audit.ts';
import { requireAdmin, requireScope } from '../platform/authz.ts';
import { notFound, WeftError } from '../platform/errors.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { getRecord } from '../records/records.ts';
import { mailWatchers, pollMailbox } from './imap-poller.ts';
import { encryptSecret } from './secrets.ts';

/** The IDLE watchers (when running in this process) follow a mailbox added, changed or removed. */
function followMailboxes(): void {
  void mailWatchers?.sync().catch(() => undefined);
}

const tags = ['inbound mail'];
const mailboxColumns = [
  'id',
  'name',
  'host',
  'port',
  'tls',
  'username',
  'folder',
  'purpose',
  'pollSeconds',
  'active',
  'lastUid',
  'lastPolledAt',
  'lastError',
  'createdAt',
] as const;

/** Email capture's settings, mailboxes and captured messages (admins); a record's emails (its viewers). */
export const inboundMailRoutes: RoutePlugin = async (app) => {
  const admin = async (request: Parameters<typeof principalOf>[0]) => requireAdmin(principalOf(request));

  app.get('/settings', { schema: { tags, summary: 'Dropbox settings' } }, async (request) => {
    await admin(request);
    const row = await app.db
      .selectFrom('inboundMailSettings')
      .select('settings')
      .where('id', '=', 1)
      .executeTakeFirst();
    return row?.settings ?? {};
  });

  app.put(
    '/settings',
    { schema: { tags, summary: 'Change the dropbox settings', body: inboundMailSettings } },
    async (request) => {
      await admin(request);
      await app.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('inboundMailSettings')
          .values({ id: 1, settings: JSON.stringify(request.body) })
          .onConflict((oc) => oc.column('id').doUpdateSet({ settings: JSON.stringify(request.body) }))
          .execute();
        await audit(trx, actorOf(request), 'inboundMail.settings', null, request.body);
      });
      return request.body;
    },
  );

  app.get(
    '/mailboxes',
    { schema: { tags, summary: 'IMAP mailboxes Weft polls (passwords are never answered)' } },
    async (request) => {
      await admin(request);
      return { items: await app.db.selectFrom('mailboxes').select(mailboxColumns).orderBy('name').execute() };
    },
  );

  app.post(
    '/mailboxes',
    { schema: { tags, summary: 'Add an IMAP mailbox', body: mailboxBody } },
    async (request, reply) => {
      await admin(request);
      const { password, ...rest } = request.body;
      const row = await app.db.transaction().execute(async (trx) => {
        const created = await trx
          .insertInto('mailboxes')
          .values({ ...rest, passwordEncrypted: encryptSecret(password) })
          .returning(mailboxColumns)
          .executeTakeFirstOrThrow();
        await audit(
          trx,
          actorOf(request),
          'mailbox.create',
          { type: 'mailbox', id: created.id },
          { host: rest.host, username: rest.username },
        );
        return created;
      });
      followMailboxes();
      return reply.code(201).send(row);
    },
  );

  app.patch(
    '/mailboxes/:id',
    { schema: { tags, summary: 'Change a mailbox', params: mailboxParams, body: mailboxPatch } },
    async (request) => {
      await admin(request);
      const { password, ...rest } = request.body;
      const row = await app.db
        .updateTable('mailboxes')
        .set({ ...rest, ...(password !== undefined ? { passwordEncrypted: encryptSecret(password) } : {}) })
        .where('id', '=', request.params.id)
        .returning(mailboxColumns)
        .executeTakeFirst();
      if (!row) throw notFound('Mailbox');
      followMailboxes();
      return row;
    },
  );

  app.delete(
    '/mailboxes/:id',
    { schema: { tags, summary: 'Remove a mailbox', params: mailboxParams } },
    async (request, reply) => {
      await admin(request);
      const deleted = await app.db
        .deleteFrom('mailboxes')
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      if (deleted.numDeletedRows === 0n) throw notFound('Mailbox');
      followMailboxes();
      return reply.code(204).send();
    },
  );

  app.post(
    '/mailboxes/:id/poll',
    { schema: { tags, summary: 'Poll the mailbox now', params: mailboxParams } },
    async (request) => {
      await admin(request);
      return pollMailbox(app.db, request.params.id);
    },
  );

  app.get(
    '/messages',
    { schema: { tags, summary: 'Captured messages, newest first', querystring: messagesQuery } },
    async (request) => {
      await admin(request);
      let select = app.db
        .selectFrom('inboundMessages')
        .select([
          'id',
          'source',
          'messageId',
          'fromAddress',
          'toAddresses',
          'subject',
          'status',
          'parseError',
          'outcome',
          'size',
          'receivedAt',
        ])
        .orderBy('receivedAt', 'desc')
        .limit(request.query.limit);
      if (request.query.status) select = select.where('status', '=', request.query.status);
      return { items: await select.execute() };
    },
  );

  app.get(
    '/records/:module/:id/emails',
    { schema: { tags, summary: 'Emails logged on a record (captured and sent)', params: recordEmailParams } },
    async (request) => {
      const principal = principalOf(request);
      requireScope(principal, request.params.module, 'view');
      await getRecord(app.db, principal, request.params.module, request.params.id);
      const items = await app.db
        .selectFrom('recordEmails')
        .selectAll()
        .where('module', '=', request.params.module)
        .where('recordId', '=', request.params.id)
        .orderBy('at', 'desc')
        .limit(200)
        .execute();
      return { items };
    },
  );

  app.post(
    '/records/:module/:id/emails',
    {
      schema: {
        tags,
        summary: 'Send an email about a record (logged on it; the outbound email trigger fires)',
        params: recordEmailParams,
        body: recordEmailBody,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { module, id } = request.params;
      requireScope(principal, module, 'view');
      const record = await getRecord(app.db, principal, module, id);
      const to = request.body.to ?? (typeof record.email === 'string' ? record.email : '');
      if (!to)
        throw new WeftError('VALIDATION', 'to: this record has no email address', [
          { field: 'to', reason: 'is required: this record has no email address' },
        ]);
      if (record.doNotEmail === true)
        throw new WeftError('UNPROCESSABLE', 'This contact asked not to be emailed ("Do not email")', [
          { field: 'to', reason: 'asked not to be emailed ("Do not email")' },
        ]);
      const sent = await app.db.transaction().execute(async (trx) => {
        const queued = await queueEmail(trx, app.boss, await app.settings.get(), {
          to,
          subject: request.body.subject,
          text: request.body.text,
          module,
          recordId: id,
        });
        await audit(
          trx,
          actorOf(request),
          'email.send',
          { type: module, id },
          { to, subject: request.body.subject },
        );
        return queued;
      });
      return reply.code(201).send(sent);
    },
  );
};
