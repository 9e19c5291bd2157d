import { sql } from 'kysely';
import type { Db } from '../db/index.ts';
import { forbiddenKind } from '../platform/address-guard.ts';

/**
 * Where a user signs in from, for their profile (the seed guide's "location of the user's
 * logins", as a list rather than a map): each address of their successful sign-ins, with
 * how often and when. The place is what the address itself says — this computer, a local
 * network — since Weft ships no geolocation database; a public address is "Internet".
 */
export interface LoginLocation {
  ip: string;
  place: string;
  signIns: number;
  firstAt: Date;
  lastAt: Date;
}

const places: Readonly<Record<string, string>> = {
  loopback: 'This computer',
  private: 'Local network',
  'link-local': 'Local network',
  'unique-local': 'Local network',
};

export function placeOf(ip: string): string {
  const kind = forbiddenKind(ip);
  if (kind === null) return 'Internet';
  return places[kind] ?? 'Unknown';
}

export async function loginLocations(db: Db, userId: string, limit = 50): Promise<LoginLocation[]> {
  const { rows } = await sql<{ ip: string; signIns: string; firstAt: Date; lastAt: Date }>`
    select ip, count(*) as sign_ins, min(at) as first_at, max(at) as last_at
    from login_history where user_id = ${userId} and success and ip is not null
    group by ip order by max(at) desc limit ${limit}`.execute(db);
  return rows.map((row) => ({ ...row, signIns: Number(row.signIns), place: placeOf(row.ip) }));
}
