import type { Selectable } from 'kysely';
import type { Db } from '../db/index.ts';
import type { RoutingSettingsTable } from '../db/types.ts';
import { onlineUserIds } from '../identity/presence.ts';
import type { SettingsService } from '../platform/settings.ts';

type Presence = Pick<Selectable<RoutingSettingsTable>, 'onlineOnly' | 'whenNobodyOnline'>;

export interface Candidates {
  /** Sorted, so that "after the last assignee" means the same in JS and in PostgreSQL. */
  ids: string[];
  /** Set when presence changed the outcome, for the reason. */
  note: string;
}

/**
 * The eligible users or groups of one routing call: active, available, and online when the
 * module asks for it. Presence is read once per call, so a batch sees one snapshot.
 */
export class CandidatePool {
  #trx: Db;
  #presence: Presence;
  #settings: SettingsService;
  #online: Promise<Set<string>> | undefined;

  constructor(trx: Db, presence: Presence, settings: SettingsService) {
    this.#trx = trx;
    this.#presence = presence;
    this.#settings = settings;
  }

  /** Eligible users among `ids`, or among every user when `ids` is null. */
  async users(ids: string[] | null): Promise<Candidates> {
    if (ids?.length === 0) return { ids: [], note: '' };
    let query = this.#trx
      .selectFrom('users')
      .select('id')
      .where('active', '=', true)
      .where('available', '=', true);
    if (ids) query = query.where('id', 'in', ids);
    const rows = await query.execute();
    return this.#filter(rows.map((row) => ({ id: row.id, members: [row.id] })));
  }

  /** Eligible users among the members of the groups ("users within groups"). */
  async members(groupIds: string[]): Promise<Candidates> {
    if (groupIds.length === 0) return { ids: [], note: '' };
    const rows = await this.#trx
      .selectFrom('groupMembers')
      .select('userId')
      .distinct()
      .where('groupId', 'in', groupIds)
      .execute();
    return this.users(rows.map((row) => row.userId));
  }

  /** Groups with at least one eligible member ("rotation between groups"). */
  async groups(groupIds: string[]): Promise<Candidates> {
    if (groupIds.length === 0) return { ids: [], note: '' };
    const rows = await this.#trx
      .selectFrom('groupMembers')
      .innerJoin('users', 'users.id', 'groupMembers.userId')
      .select(['groupMembers.groupId', 'groupMembers.userId'])
      .where('groupMembers.groupId', 'in', groupIds)
      .where('users.active', '=', true)
      .where('users.available', '=', true)
      .execute();
    const members = new Map<string, string[]>();
    for (const row of rows) members.set(row.groupId, [...(members.get(row.groupId) ?? []), row.userId]);
    return this.#filter([...members].map(([id, userIds]) => ({ id, members: userIds })));
  }

  async #filter(entries: { id: string; members: string[] }[]): Promise<Candidates> {
    const all = entries.map((entry) => entry.id).sort();
    if (!this.#presence.onlineOnly || all.length === 0) return { ids: all, note: '' };
    this.#online ??= onlineUserIds(this.#trx, this.#settings).then((ids) => new Set(ids));
    const online = await this.#online;
    const present = entries
      .filter((entry) => entry.members.some((member) => online.has(member)))
      .map((entry) => entry.id)
      .sort();
    if (present.length > 0) return { ids: present, note: '' };
    if (this.#presence.whenNobodyOnline === 'anyAvailable') {
      return { ids: all, note: ' (nobody online: any available)' };
    }
    return { ids: [], note: ' (nobody online)' };
  }
}
