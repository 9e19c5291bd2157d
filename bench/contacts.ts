/**
 * The contacts the data benchmarks work on: the CSV bench:records and import.ts import (the
 * same values as records' SQL writes), an import through the API polled until done, and
 * round-robin lead routing over a few users.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Db } from '../server/db/index.ts';
import { loadPrincipal } from '../server/platform/authz.ts';
import { createRecord } from '../server/records/records.ts';
import type { startWeftInProcess } from './weft.ts';

type Weft = Pick<Awaited<ReturnType<typeof startWeftInProcess>>, 'app' | 'headers'>;

export const firstNames = [
  'Ada',
  'Alan',
  'Grace',
  'Edsger',
  'Barbara',
  'Donald',
  'Margaret',
  'Ken',
  'Frances',
  'Dennis',
];
export const lastNames = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Hamilton',
  'Thompson',
  'Allen',
];
export const cities = [
  'Paris',
  'London',
  'Berlin',
  'Madrid',
  'Rome',
  'Vienna',
  'Oslo',
  'Lisbon',
  'Prague',
  'Dublin',
];
export const sources = ['None', 'Google', 'Facebook', 'Twitter', 'Web', 'Referral', 'Trade Show', 'Other'];
export const statuses = ['Unassigned', 'Assigned', 'Accepted', 'Working', 'Dead', 'Rejected'];
export const pick = <T>(list: T[], i: number) => list[i % list.length] as T;

/** `count` contacts as CSV, their emails `<tag><i>@bench.test`. */
export function contactsCsv(count: number, tag: string): string {
  const lines = [
    'firstName,lastName,email,phone,title,city,country,leadSource,leadStatus,rating,dealvalue,doNotEmail',
  ];
  for (let i = 0; i < count; i++) {
    lines.push(
      [
        pick(firstNames, i),
        `${pick(lastNames, i * 7)}${i}`,
        `${tag}${i}@bench.test`,
        `+1-555-${String(i).padStart(7, '0')}`,
        i % 3 === 0 ? 'Engineer' : 'Manager',
        pick(cities, i * 3),
        'Europe',
        pick(sources, i),
        pick(statuses, i * 5),
        String(i % 6),
        String((i % 1000) * 12.5),
        i % 2 === 0 ? 'true' : 'false',
      ].join(','),
    );
  }
  return lines.join('\n');
}

/**
 * Imports `csv` into contacts through the API (`query`: the import's options) and polls
 * every 20 ms until its job is done: the import's id, upload to done and the job alone (ms).
 */
export async function importCsv({ app, headers }: Weft, csv: string, query: string, rows: number) {
  const started = performance.now();
  const response = await app.inject({
    method: 'POST',
    url: `/api/imports?module=contacts&${query}`,
    headers: { ...headers, 'content-type': 'text/csv' },
    payload: csv,
  });
  if (response.statusCode !== 202) throw new Error(`import refused: ${response.body}`);
  const id = response.json<{ id: string }>().id;
  for (;;) {
    const state = (await app.inject({ method: 'GET', url: `/api/imports/${id}`, headers })).json();
    if (state.status === 'done' || state.status === 'failed') {
      const wallMs = performance.now() - started;
      const jobMs = new Date(state.finishedAt).getTime() - new Date(state.startedAt).getTime();
      if (state.status !== 'done' || state.created !== rows)
        throw new Error(`import ended ${state.status}: ${JSON.stringify(state)}`);
      return { id, wallMs, jobMs };
    }
    await delay(20);
  }
}

/** Round-robin lead routing for contacts over `count` new users (rep0, rep1, …). */
export async function routeRoundRobin({ app, headers }: Weft, count: number): Promise<void> {
  const userIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const user = await app.inject({
      method: 'POST',
      url: '/api/users',
      headers,
      payload: { username: `rep${i}`, password: `rep${i}-password` },
    });
    userIds.push(user.json<{ id: string }>().id);
  }
  await app.inject({
    method: 'PUT',
    url: '/api/routing/contacts',
    headers,
    payload: { enabled: true, mode: 'roundRobin', userIds },
  });
}

/** Writes contacts through the records service as the admin, each in its own transaction. */
export async function contactWriter(db: Db) {
  const admin = await db
    .selectFrom('users')
    .select(['id', 'username'])
    .where('username', '=', 'admin')
    .executeTakeFirstOrThrow();
  const principal = await loadPrincipal(db, admin.id);
  if (!principal) throw new Error('no admin principal');
  return (values: Record<string, unknown>) => createRecord(db, principal, admin, 'contacts', values);
}
