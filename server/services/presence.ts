import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { SettingsService } from './settings.ts';

/**
 * Who is online: active, not invisible, with a session used within the idle timeout.
 * Sessions note activity at most once a minute, so "online" is accurate to a minute.
 */
export async function onlineUserIds(db: Db, settings: SettingsService): Promise<string[]> {
  const { sessionTimeoutMinutes } = await settings.get();
  const rows = await db
    .selectFrom('users')
    .select('users.id')
    .where('users.active', '=', true)
    .where('users.invisible', '=', false)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('sessions')
          .whereRef('sessions.userId', '=', 'users.id')
          .where(
            'sessions.lastSeenAt',
            '>',
            sql<Date>`now() - make_interval(mins => ${sessionTimeoutMinutes})`,
          ),
      ),
    )
    .execute();
  return rows.map((row) => row.id);
}
