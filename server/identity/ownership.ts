import type { Db } from '../db/index.ts';

/**
 * Moves everything of one kind that a user owns to another user, inside the caller's
 * transaction, and says how many items moved. Record modules register one each.
 */
export type Reassigner = (trx: Db, fromUserId: string, toUserId: string) => Promise<number>;

/** What a user owns, by kind; deleting a user reassigns every kind in one transaction. */
export class OwnershipRegistry {
  #reassigners = new Map<string, Reassigner>();

  register(kind: string, reassign: Reassigner): void {
    if (this.#reassigners.has(kind)) throw new Error(`ownership kind "${kind}" is registered twice`);
    this.#reassigners.set(kind, reassign);
  }

  async reassignAll(trx: Db, fromUserId: string, toUserId: string): Promise<Record<string, number>> {
    const moved: Record<string, number> = {};
    for (const [kind, reassign] of this.#reassigners) moved[kind] = await reassign(trx, fromUserId, toUserId);
    return moved;
  }
}
