/**
 * A second handle on a test database that logs every statement it sends (kysely's `log`
 * lives in its driver, so it also sees record tables, which are read without plugins): what
 * a piece of work costs the database, counted. Destroyed when the file's tests end.
 */
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../server/db/types.ts';
import { onTestEnd } from './cleanup.ts';

export function countedDb(url: string): { counted: Kysely<Database>; statements: string[] } {
  const statements: string[] = [];
  const counted = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
    plugins: [new CamelCasePlugin()],
    log: (event) => {
      if (event.level === 'query') statements.push(event.query.sql);
    },
  });
  onTestEnd(() => counted.destroy());
  return { counted, statements };
}
