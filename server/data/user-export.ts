import { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import type { CsvExport } from './exports.ts';
import { csvLines } from './exports.ts';
import { listText } from './import-values.ts';

/**
 * The users as CSV, read in batches and written as they come. The header is the users
 * import's field names (data/import-users.ts), so the file imports back as it is;
 * `id`, `status`, `createdAt` and `lastLoginAt` are there to read and are not imported.
 * Never a password or its hash.
 */

export const userExportColumns = [
  'id',
  'username',
  'firstName',
  'lastName',
  'email',
  'title',
  'phone',
  'status',
  'active',
  'available',
  'invisible',
  'roles',
  'groups',
  'createdAt',
  'lastLoginAt',
] as const;

const batchSize = 500;

export function exportUsers(db: Db): CsvExport {
  async function* chunks() {
    yield csvLines([[...userExportColumns]]);
    let after: [string, string] | null = null;
    for (;;) {
      let select = db
        .selectFrom('users')
        .select([
          'id',
          'username',
          'firstName',
          'lastName',
          'email',
          'title',
          'phone',
          'active',
          'available',
          'invisible',
          'invitedAt',
          'createdAt',
          'lastLoginAt',
          sql<string>`lower(username)`.as('sortKey'),
          (eb) =>
            eb
              .selectFrom('userRoles')
              .innerJoin('roles', 'roles.id', 'userRoles.roleId')
              .whereRef('userRoles.userId', '=', 'users.id')
              .select(sql<string[]>`coalesce(array_agg(roles.name order by roles.name), '{}')`.as('names'))
              .as('roles'),
          (eb) =>
            eb
              .selectFrom('groupMembers')
              .innerJoin('groups', 'groups.id', 'groupMembers.groupId')
              .whereRef('groupMembers.userId', '=', 'users.id')
              .select(sql<string[]>`coalesce(array_agg(groups.name order by groups.name), '{}')`.as('names'))
              .as('groups'),
        ])
        .orderBy(sql`lower(username)`)
        .orderBy('id')
        .limit(batchSize);
      if (after) {
        const [name, id] = after;
        select = select.where((eb) =>
          eb(eb.refTuple(sql<string>`lower(username)`, 'id'), '>', eb.tuple(name, id)),
        );
      }
      const rows = await select.execute();
      if (rows.length > 0)
        yield csvLines(
          rows.map((user) => [
            user.id,
            user.username,
            user.firstName,
            user.lastName,
            user.email ?? '',
            user.title ?? '',
            user.phone ?? '',
            user.invitedAt ? 'invited' : user.active ? 'active' : 'inactive',
            String(user.active),
            String(user.available),
            String(user.invisible),
            listText(user.roles ?? []),
            listText(user.groups ?? []),
            user.createdAt.toISOString(),
            user.lastLoginAt?.toISOString() ?? '',
          ]),
        );
      const last = rows.at(-1);
      if (rows.length < batchSize || !last) return;
      after = [last.sortKey, last.id];
    }
  }
  const day = new Date().toISOString().slice(0, 10);
  return { fileName: `users-${day}.csv`, body: Readable.from(chunks()) };
}
