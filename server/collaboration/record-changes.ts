/**
 * Open record pages and lists read a record again when anyone changed it (a person, an
 * import, a flow): the dispatcher, which reads every committed event in batches, calls this
 * once per batch, and each module concerned gets one `record.changed` push naming the
 * records (ids only, at most 100, else none: "many changed"; pages read them again through
 * the API, which applies the reader's permissions). Sent for the dispatcher's batch rather
 * than by a trigger on `events`, so that no writer's transaction takes the NOTIFY lock at
 * its commit or pays for the message (the engine's steps defer theirs for that reason); and
 * held until the batch has committed (the dispatcher defers its live messages), so that the
 * dispatcher's commit does not take that lock either.
 */
import type { Db } from '../db/index.ts';
import { publish } from './live.ts';

const changes = new Set(['record.created', 'record.updated', 'record.deleted', 'tag.added', 'tag.removed']);
const maxIds = 100;

export async function announceRecordChanges(
  trx: Db,
  events: readonly { type: string; module: string | null; recordId: string | null }[],
): Promise<void> {
  const byModule = new Map<string, { ids: Set<string>; created: boolean; deleted: boolean }>();
  for (const event of events) {
    if (!changes.has(event.type) || event.module === null || event.recordId === null) continue;
    const found = byModule.get(event.module) ?? { ids: new Set(), created: false, deleted: false };
    found.ids.add(event.recordId);
    found.created ||= event.type === 'record.created';
    found.deleted ||= event.type === 'record.deleted';
    byModule.set(event.module, found);
  }
  if (byModule.size === 0) return;
  // Through `publish`: held with the dispatcher's other messages until its batch commits (deferLive).
  for (const [module, { ids, created, deleted }] of byModule) {
    await publish(trx, {
      type: 'record.changed',
      data: { module, ids: ids.size <= maxIds ? [...ids] : null, created, deleted },
      to: { everyone: true },
    });
  }
}
