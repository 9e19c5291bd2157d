import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { prepareRecurring } from './prepared.ts';
import type { Database } from './types.ts';

export type Db = Kysely<Database>;

// int8 (bigserial ids, counts) as strings would leak into JSON as "12"; they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Tables and columns are snake_case in PostgreSQL and camelCase in TypeScript. */
export function createDb(connectionString: string, max = 20): Db {
  const pool = new pg.Pool({ connectionString, max });
  // An idle connection dropped by the server (a restart, a shutdown) is an 'error' on the
  // pool, fatal to the process without a listener. pg discards that client and the next
  // query opens a new one; queries in flight still fail with their own error.
  pool.on('error', (error) => console.warn(`database connection lost: ${error.message}`));
  // Statements run over and over are parsed and planned once per connection (./prepared.ts).
  prepareRecurring(pool);
  // A client lent out (a query or transaction under way) has no listener of the pool's: its
  // socket failing (PostgreSQL restarted, the backend terminated) emitted an unhandled
  // 'error' and ended the process. The query in flight fails with the error (the request
  // answers 503, the job is retried), and the broken client is dropped when it comes back.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
  });
}
