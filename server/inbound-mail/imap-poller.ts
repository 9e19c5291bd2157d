/**
 * IMAP mailboxes Weft polls (`imapflow`). Each poll reads the messages after the last UID it
 * committed; a message and the mailbox's new last UID commit together, so a restart mid-mailbox
 * resumes after the last stored message and never stores one twice (the UID and the Message-ID
 * are unique too). A UIDVALIDITY change starts the mailbox over (Message-IDs still dedupe).
 * A message that cannot be fetched or parsed is kept with its error; the poll goes on.
 */
import { ImapFlow } from 'imapflow';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/index.ts';
import { captureInboundMessage } from './capture.ts';
import { decryptSecret } from './secrets.ts';

export const pollQueue = 'weft.mail.poll';
/** Messages per poll: a large backlog is read over several polls. */
const batch = 200;

export async function pollMailbox(db: Db, mailboxId: string): Promise<{ captured: number; error?: string }> {
  const mailbox = await db.selectFrom('mailboxes').selectAll().where('id', '=', mailboxId).executeTakeFirst();
  if (!mailbox?.active) return { captured: 0 };
  const client = new ImapFlow({
    host: mailbox.host,
    port: mailbox.port,
    secure: mailbox.tls,
    auth: { user: mailbox.username, pass: decryptSecret(mailbox.passwordEncrypted) },
    // Without TLS from the start, imapflow upgrades with STARTTLS when the server offers it.
    logger: false,
  });
  let captured = 0;
  let error: string | undefined;
  try {
    await client.connect();
    const lock = await client.getMailboxLock(mailbox.folder);
    try {
      const opened = client.mailbox;
      const uidValidity = opened ? Number(opened.uidValidity) : 0;
      let lastUid = mailbox.uidValidity === uidValidity ? Number(mailbox.lastUid) : 0;
      if (mailbox.uidValidity !== uidValidity)
        await db
          .updateTable('mailboxes')
          .set({ uidValidity, lastUid: 0 })
          .where('id', '=', mailbox.id)
          .execute();
      const uids = ((await client.search({ uid: `${lastUid + 1}:*` }, { uid: true })) || [])
        .filter((uid) => uid > lastUid)
        .sort((a, b) => a - b)
        .slice(0, batch);
      for (const uid of uids) {
        const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
        // fetchOne answers false for a message that vanished: it is kept, with its error, as malformed.
        const source = message === false ? undefined : message.source;
        const raw = source ?? Buffer.from(`X-Weft-Error: UID ${uid} could not be fetched\r\n\r\n`);
        await db.transaction().execute(async (trx) => {
          await captureInboundMessage(trx, {
            source: mailbox.id,
            raw,
            mailbox: { id: mailbox.id, uidValidity, uid, purpose: mailbox.purpose },
          });
          await trx.updateTable('mailboxes').set({ lastUid: uid }).where('id', '=', mailbox.id).execute();
        });
        lastUid = uid;
        captured++;
      }
    } finally {
      lock.release();
    }
  } catch (failure) {
    error = (failure as Error).message;
  } finally {
    await client.logout().catch(() => client.close());
  }
  await db
    .updateTable('mailboxes')
    .set({ lastPolledAt: new Date(), lastError: error ?? null })
    .where('id', '=', mailbox.id)
    .execute();
  return error ? { captured, error } : { captured };
}

/** Every minute, the mailboxes whose poll interval has passed (one poller at a time: a singleton queue). */
export async function startMailPoller(boss: PgBoss, db: Db): Promise<void> {
  await boss.createQueue(pollQueue, { policy: 'singleton' });
  await boss.schedule(pollQueue, '* * * * *');
  await boss.work(pollQueue, async () => {
    const due = await db
      .selectFrom('mailboxes')
      .select('id')
      .where('active', '=', true)
      .where(
        sql<boolean>`last_polled_at is null or last_polled_at < now() - make_interval(secs => poll_seconds)`,
      )
      .execute();
    for (const mailbox of due) await pollMailbox(db, mailbox.id);
  });
}
