import type { PgBoss } from 'pg-boss';
import { inTransaction, jobId } from '../../engine/runtime/jobs.ts';
import type { Db } from '../db/index.ts';

/** One job per batch of a campaign's delivery, in turn. */
export const campaignQueue = 'weft.marketing.campaign';

export interface CampaignJob {
  campaignId: string;
  batch: number;
}

/**
 * Enqueues a campaign's batch in the caller's transaction. The job id derives from
 * (campaign, batch): sending the same batch twice stores one job.
 */
export async function enqueueBatch(
  boss: PgBoss,
  trx: Db,
  campaignId: string,
  batch: number,
  at: Date | null,
) {
  await boss.send(campaignQueue, { campaignId, batch } satisfies CampaignJob, {
    id: jobId('campaign', campaignId, batch),
    db: inTransaction(trx),
    ...(at && { startAfter: at }),
  });
}

/**
 * The queue, made by whichever process needs it first (a web process launching a campaign
 * before any worker started). A worker that dies mid-batch stops beating: its job is retried
 * after heartbeatSeconds, not after the queue's 15-minute expiry.
 */
export async function ensureCampaignQueue(boss: PgBoss): Promise<void> {
  await boss.createQueue(campaignQueue, {
    heartbeatSeconds: 10,
    retryLimit: 50,
    retryDelay: 1,
    retryBackoff: true,
    retryDelayMax: 300,
  });
}
