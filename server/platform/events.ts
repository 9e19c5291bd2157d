import type { Db } from '../db/index.ts';
import type { EventType } from '../db/types.ts';

/**
 * The transactional outbox. Every record write calls `emitEvent` with the transaction of
 * the write: the event commits with the change or not at all. The workflow dispatcher
 * reads events in id order; a NOTIFY on `eventsChannel`, sent by a trigger on the events
 * table (migration 0013) and delivered only on commit, wakes it without polling.
 */

export const eventsChannel = 'weft_events';

/** Set when a flow's write causes the event: the chain's first event and how deep it is. */
export interface Causation {
  causationId: number;
  depth: number;
}

export interface NewEvent {
  type: EventType;
  module: string | null;
  recordId: string | null;
  payload: Record<string, unknown>;
  actorId: string | null;
  causation?: Causation | undefined;
}

/** The outbox row of an event. */
export function eventRow(event: NewEvent) {
  return {
    type: event.type,
    module: event.module,
    recordId: event.recordId,
    payload: JSON.stringify(event.payload),
    actorId: event.actorId,
    causationId: event.causation?.causationId ?? null,
    depth: event.causation?.depth ?? null,
  };
}

export async function emitEvent(trx: Db, event: NewEvent): Promise<number> {
  const row = await trx
    .insertInto('events')
    .values(eventRow(event))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
