import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from '../../server/db/index.ts';
import { migrateToLatest } from '../../server/db/migrate.ts';
import { onTestEnd } from './cleanup.ts';

/** The cluster `npm test` started (test/run.ts); a test file run alone needs it set. */
export function clusterUrl(database = 'postgres'): string {
  const url = process.env.WEFT_TEST_DATABASE_URL;
  if (!url)
    throw new Error(
      'WEFT_TEST_DATABASE_URL is not set: run tests through `npm test` (node test/run.ts <files>)',
    );
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: clusterUrl() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, migrated database of this test file's own, dropped when the file ends.
 */
export async function createTestDatabase(): Promise<{ db: Db; url: string }> {
  const name = `weft_test_${randomBytes(6).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = clusterUrl(name);
  const db = createDb(url, 5);
  onTestEnd(async () => {
    await db.destroy();
    await admin(`drop database if exists ${name} with (force)`);
  });
  await migrateToLatest(db);
  return { db, url };
}
