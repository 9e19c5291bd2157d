/**
 * A process that only delivers campaigns, on the database named by argv[2]: the crash
 * test kills it with SIGKILL mid-batch. Prints "ready" once its worker is polling.
 */
import { createDb } from '../../server/db/index.ts';
import { startCampaignWorker } from '../../server/marketing/delivery.ts';
import { SettingsService } from '../../server/platform/settings.ts';
import { startQueue } from '../../server/queue.ts';

const url = process.argv[2];
if (!url) throw new Error('usage: campaign-worker.ts <database url>');
const db = createDb(url, 4);
const boss = await startQueue(url, (error) => console.error(error.message));
await startCampaignWorker(boss, db, new SettingsService(db));
console.log('ready');
