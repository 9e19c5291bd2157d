import { sql } from 'kysely';
import { PgBoss } from 'pg-boss';
import { purgeExpiredPosts } from './collaboration/feed.ts';
import { startImportWorker } from './data/imports.ts';
import type { Db } from './db/index.ts';
import { startEmailWorker } from './email/email.ts';
import { onFormVisitor, startFormWorker } from './forms/form-process.ts';
import { startHookWorker } from './hooks/hooks.ts';
import { onInboundMessage } from './inbound-mail/capture.ts';
import { startMailPoller } from './inbound-mail/imap-poller.ts';
import { bounceHandler } from './marketing/bounces.ts';
import { startCampaignWorker } from './marketing/delivery.ts';
import { identifyVisitor } from './marketing/web.ts';
import type { SettingsService } from './platform/settings.ts';
import { startSortIndexWorker } from './records/sort-index.ts';

/** Queues of the system itself; the workflow engine adds its own. */
export const queues = {
  purgeSessions: 'weft.sessions.purge',
  purgeFeed: 'weft.feed.purge',
} as const;

export async function startQueue(connectionString: string, onError: (error: Error) => void): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString,
    schema: 'pgboss',
    application_name: 'weft-queue',
    // Jobs of a dead worker (missed heartbeats) are found every few seconds rather than every minute.
    superviseIntervalSeconds: 5,
  });
  boss.on('error', onError);
  await boss.start();
  return boss;
}

/**
 * Background upkeep: idle sessions are refused at once by the auth hook, and this job
 * removes their rows every quarter hour so the table does not grow without bound.
 */
export async function startSystemWorkers(boss: PgBoss, db: Db, settings: SettingsService): Promise<void> {
  await boss.createQueue(queues.purgeSessions, { policy: 'singleton' });
  await boss.schedule(queues.purgeSessions, '*/15 * * * *');
  await boss.work(queues.purgeSessions, async () => {
    const { sessionTimeoutMinutes } = await settings.get();
    await db
      .deleteFrom('sessions')
      .where('lastSeenAt', '<', sql<Date>`now() - make_interval(mins => ${sessionTimeoutMinutes})`)
      .execute();
  });
  // Feed retention (feedRetentionDays settings), nightly.
  await boss.createQueue(queues.purgeFeed, { policy: 'singleton' });
  await boss.schedule(queues.purgeFeed, '17 3 * * *');
  await boss.work(queues.purgeFeed, async () => {
    await purgeExpiredPosts(db, settings);
  });
  // Sort indexes a list on a large table asked for (records/sort-index.ts).
  await startSortIndexWorker(boss, db, settings);
  // CSV/XLSX imports (data/imports.ts).
  await startImportWorker(boss, db, settings);
  // Email delivery from the outbox (email/email.ts), with retries and backoff.
  await startEmailWorker(boss, db, settings);
  // Web form submissions (forms/form-process.ts): matched, written, routed, auto-answered.
  await startFormWorker(boss, db, settings);
  // Outbound hooks (hooks/hooks.ts): signed deliveries with retries, backoff and auto-disable.
  await startHookWorker(boss, db, settings);
  // Campaign delivery at the bulk limit (marketing/delivery.ts); resumes running campaigns.
  await startCampaignWorker(boss, db, settings);
  // Bounce reports arriving through email capture mark their recipients bounced (marketing/bounces.ts).
  onInboundMessage(bounceHandler);
  // A web form's visitor (tracker cookie) becomes its contact, with its earlier page views (marketing/web.ts).
  onFormVisitor(identifyVisitor);
  // IMAP mailboxes (inbound-mail/imap-poller.ts), each at its own interval.
  await startMailPoller(boss, db);
}
