/**
 * `npm run demo`: loads the demo accounts, contacts and opportunities into this install's
 * database (the one `npm start` uses: DATABASE_URL, else the embedded cluster in
 * WEFT_DATA_DIR), as the first administrator. With the embedded cluster, stop `npm start`
 * first (or use "Load demo data" on an empty Home instead). Refuses an install that already
 * has such records.
 */
import { loadConfig } from './config.ts';
import { loadDemoData } from './data/demo-data.ts';
import { createDb } from './db/index.ts';
import { migrateToLatest } from './db/migrate.ts';
import { loadPrincipal } from './platform/authz.ts';

const config = loadConfig(process.env);
// The embedded cluster's module hooks process exit (it would stop a cluster as the process
// ends); this script stops its own cluster, so the hook is taken off.
const embedded = config.databaseUrl ? null : await import('./db/embedded-postgres.ts');
const { default: exitHook } = await import('async-exit-hook');
if (exitHook.hookedEvents().includes('exit')) exitHook.unhookEvent('exit');
const cluster = embedded ? await embedded.startEmbeddedPostgres(config.dataDir) : null;
const db = createDb(config.databaseUrl ?? (cluster as NonNullable<typeof cluster>).url());
try {
  await migrateToLatest(db);
  const admin = await db
    .selectFrom('users')
    .innerJoin('userRoles', 'userRoles.userId', 'users.id')
    .innerJoin('roles', 'roles.id', 'userRoles.roleId')
    .select(['users.id', 'users.username'])
    .where('roles.isAdmin', '=', true)
    .orderBy('users.createdAt')
    .executeTakeFirst();
  if (!admin)
    throw new Error('There is no administrator yet: start Weft once with `npm start`, then stop it');
  const principal = await loadPrincipal(db, admin.id);
  if (!principal) throw new Error('The administrator could not be loaded');
  const loaded = await loadDemoData(db, principal, { id: admin.id, username: admin.username });
  console.log(
    `Loaded ${loaded.accounts} accounts, ${loaded.contacts} contacts and ${loaded.opportunities} opportunities.`,
  );
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
} finally {
  await db.destroy();
  await cluster?.stop();
}
