/**
 * IMAP mailboxes Weft polls (`imapflow`). Each poll reads the messages after the last UID it
 * committed; a message and the mailbox's new last UID commit together, so a restart mid-mailbox
 * resumes after the last stored message and never stores one twice (the UID and the Message-ID
 * are unique too). A UIDVALIDITY change starts the mailbox over (Message-IDs still dedupe).
 * A message that cannot be fetched or parsed is kept with its error; the poll goes on.
 */
import type { ImapFlow } from 'imapflow';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/index.ts';
import { captureInboundMessage } from './capture.ts';
import { decryptSecret } from './secrets.ts';

export const pollQueue = 'weft.mail.poll';
/** Messages per poll: a large backlog is read over several polls. */
const batch = 200;

type MailboxRow = Awaited<ReturnType<typeof loadMailbox>>;

function loadMailbox(db: Db, mailboxId: string) {
  return db.selectFrom('mailboxes').selectAll().where('id', '=', mailboxId).executeTakeFirst();
}

async function clientFor(mailbox: NonNullable<MailboxRow>, watch = false): Promise<ImapFlow> {
  // Loaded with the first mailbox, not at start: imapflow holds about 5 MB resident (issue 19).
  const { ImapFlow: Client } = await import('imapflow');
  return new Client({
    // A watch idles as soon as the connection is free, and renews IDLE every 5 minutes (servers
    // drop an IDLE left alone for 30).
    ...(watch ? { autoIdleDelay: 50, maxIdleTime: 5 * 60_000 } : { disableAutoIdle: true }),
    host: mailbox.host,
    port: mailbox.port,
    secure: mailbox.tls,
    auth: { user: mailbox.username, pass: decryptSecret(mailbox.passwordEncrypted) },
    // Without TLS from the start, imapflow upgrades with STARTTLS when the server offers it.
    logger: false,
  });
}

/**
 * Captures the messages after the mailbox's last committed UID, on a connected client (the
 * folder is locked meanwhile). Shared by the poll and by the IDLE watcher: both may run at once
 * (in one process or several); the unique UID and Message-ID keep each message once.
 */
async function captureNew(db: Db, client: ImapFlow, mailboxId: string): Promise<number> {
  const mailbox = await loadMailbox(db, mailboxId);
  if (!mailbox?.active) return 0;
  let captured = 0;
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
        // Never moves the place back (a concurrent capture may have gone further).
        await trx
          .updateTable('mailboxes')
          .set({ lastUid: sql<number>`greatest(last_uid, ${uid})` })
          .where('id', '=', mailbox.id)
          .execute();
      });
      lastUid = uid;
      captured++;
    }
  } finally {
    lock.release();
  }
  return captured;
}

async function noteResult(db: Db, mailboxId: string, error: string | undefined): Promise<void> {
  await db
    .updateTable('mailboxes')
    .set({ lastPolledAt: new Date(), lastError: error ?? null })
    .where('id', '=', mailboxId)
    .execute();
}

export async function pollMailbox(db: Db, mailboxId: string): Promise<{ captured: number; error?: string }> {
  const mailbox = await loadMailbox(db, mailboxId);
  if (!mailbox?.active) return { captured: 0 };
  const client = await clientFor(mailbox);
  let captured = 0;
  let error: string | undefined;
  try {
    await client.connect();
    captured = await captureNew(db, client, mailbox.id);
  } catch (failure) {
    error = (failure as Error).message;
  } finally {
    await client.logout().catch(() => client.close());
  }
  await noteResult(db, mailbox.id, error);
  return error ? { captured, error } : { captured };
}

export type WatchState = 'connecting' | 'watching' | 'waiting';

/**
 * IMAP IDLE: one open connection per active mailbox, its folder selected; imapflow idles on it
 * (IDLE when the server offers it, NOOP polling otherwise) and reports new mail (`exists`),
 * which is captured at once. A dropped connection is reopened after a backoff (1 s doubling up
 * to 60 s, back to 1 s once connected). The poll job stays as the fallback. `sync()` follows the
 * mailboxes table (added, changed, deactivated, deleted mailboxes); it runs every minute and
 * after every change made through this process's routes.
 */
export class MailWatchers {
  private readonly watches = new Map<string, Watch>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private readonly db: Db;
  private readonly onError: (error: Error) => void;

  constructor(db: Db, onError: (error: Error) => void = () => undefined) {
    this.db = db;
    this.onError = onError;
  }

  start(everyMs = 60_000): void {
    this.timer = setInterval(() => void this.sync().catch(this.onError), everyMs);
    this.timer.unref();
    void this.sync().catch(this.onError);
  }

  async sync(): Promise<void> {
    if (this.stopped) return;
    const rows = await this.db
      .selectFrom('mailboxes')
      .select(['id', 'host', 'port', 'tls', 'username', 'passwordEncrypted', 'folder'])
      .where('active', '=', true)
      .execute();
    const wanted = new Map(rows.map((row) => [row.id, JSON.stringify(row)]));
    for (const [id, watch] of this.watches)
      if (wanted.get(id) !== watch.key) {
        watch.stop();
        this.watches.delete(id);
      }
    for (const [id, key] of wanted)
      if (!this.watches.has(id)) {
        const watch = new Watch(this.db, id, key, this.onError);
        this.watches.set(id, watch);
        watch.open();
      }
  }

  /** `idling`: the server is telling this watch about new mail as it comes. */
  state(mailboxId: string): WatchState | 'idling' | undefined {
    const watch = this.watches.get(mailboxId);
    return watch?.idling ? 'idling' : watch?.state;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
  }
}

class Watch {
  state: WatchState = 'connecting';
  private client: ImapFlow | undefined;
  private retry: NodeJS.Timeout | undefined;
  private backoffMs = 1000;
  private stopped = false;
  /** Captures run one after the other; an `exists` during one asks for one more. */
  private running: Promise<void> | undefined;
  private again = false;

  private readonly db: Db;
  private readonly mailboxId: string;
  readonly key: string;
  private readonly onError: (error: Error) => void;

  constructor(db: Db, mailboxId: string, key: string, onError: (error: Error) => void) {
    this.db = db;
    this.mailboxId = mailboxId;
    this.key = key;
    this.onError = onError;
  }

  get idling(): boolean {
    return this.state === 'watching' && this.client?.idling === true;
  }

  open(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.state = 'connecting';
    const mailbox = await loadMailbox(this.db, this.mailboxId).catch(() => undefined);
    if (!mailbox?.active || this.stopped) return;
    const client = await clientFor(mailbox, true);
    if (this.stopped) return;
    this.client = client;
    client.on('error', (error: Error) => this.onError(error));
    client.on('exists', () => this.capture());
    client.on('close', () => {
      if (this.client === client) this.reconnectLater();
    });
    try {
      await client.connect();
      await client.mailboxOpen(mailbox.folder);
      if (this.stopped) return void client.close();
      this.state = 'watching';
      this.backoffMs = 1000;
      // What arrived while the watch was down.
      this.capture();
    } catch (failure) {
      await noteResult(this.db, this.mailboxId, (failure as Error).message).catch(() => undefined);
      client.close();
      this.reconnectLater();
    }
  }

  private reconnectLater(): void {
    if (this.stopped || this.retry) return;
    this.state = 'waiting';
    this.client = undefined;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, this.backoffMs);
    this.retry.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, 60_000);
  }

  private capture(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    const client = this.client;
    if (!client) return;
    this.running = (async () => {
      do {
        this.again = false;
        let error: string | undefined;
        try {
          await captureNew(this.db, client, this.mailboxId);
        } catch (failure) {
          error = (failure as Error).message;
        }
        await noteResult(this.db, this.mailboxId, error).catch(() => undefined);
      } while (this.again && !this.stopped && this.client === client);
    })().finally(() => {
      this.running = undefined;
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) void client.logout().catch(() => client.close());
  }
}

/** The process's watchers, when started (routes ask them to follow a mailbox change). */
export let mailWatchers: MailWatchers | undefined;

/** IDLE is on unless `WEFT_IMAP_IDLE=0` (then mailboxes are only polled). */
export function imapIdleEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.WEFT_IMAP_IDLE !== '0' && env.WEFT_IMAP_IDLE !== 'off';
}

export function startMailWatchers(db: Db, onError?: (error: Error) => void): MailWatchers {
  mailWatchers?.stop();
  mailWatchers = new MailWatchers(db, onError);
  mailWatchers.start();
  return mailWatchers;
}

/**
 * Every minute, the mailboxes whose poll interval has passed (one poller at a time: a singleton
 * queue); and, unless IDLE is off, the IDLE watchers.
 */
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
  if (imapIdleEnabled()) {
    const watchers = startMailWatchers(db, (error) => console.warn(`imap: ${error.message}`));
    boss.once('stopped', () => watchers.stop());
  }
}
