import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { SettingsService } from '../platform/settings.ts';

/**
 * Who is online: active, not invisible, with a session used within the idle timeout.
 * Sessions note activity at most once a minute, and an open WebSocket notes it every
 * half minute (LiveHub.heartbeat), so "online" is accurate to a minute in every process.
 */
async function onlineQuery(db: Db, settings: SettingsService) {
  const { sessionTimeoutMinutes } = await settings.get();
  return db
    .selectFrom('users')
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
    );
}

export async function onlineUserIds(db: Db, settings: SettingsService): Promise<string[]> {
  const rows = await (await onlineQuery(db, settings)).select('users.id').execute();
  return rows.map((row) => row.id);
}

/** The online users with their names, for the who-is-online list. */
export async function onlineUsers(db: Db, settings: SettingsService) {
  return (await onlineQuery(db, settings))
    .select(['users.id', 'users.username', 'users.firstName', 'users.lastName'])
    .orderBy(sql`lower(users.username)`)
    .execute();
}
