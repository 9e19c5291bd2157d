import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import type { Db } from './index.ts';
import * as identity from './migrations/0001-identity.ts';
import * as modules from './migrations/0002-modules.ts';
import * as lists from './migrations/0003-lists.ts';
import * as feed from './migrations/0004-feed.ts';
import * as routing from './migrations/0005-routing.ts';
import * as studio from './migrations/0006-studio.ts';
import * as flows from './migrations/0007-flows.ts';
import * as imports from './migrations/0008-imports.ts';
import * as email from './migrations/0009-email.ts';
import * as triggers from './migrations/0010-triggers.ts';
import * as invitations from './migrations/0011-invitations.ts';
import * as runChains from './migrations/0012-run-chains.ts';
import * as eventsNotify from './migrations/0013-events-notify.ts';
import * as schemaToken from './migrations/0014-schema-token.ts';
import * as queuedRuns from './migrations/0015-queued-runs.ts';
import * as processes from './migrations/0016-processes.ts';
import * as connectors from './migrations/0017-connectors.ts';
import * as hardening from './migrations/0019-hardening.ts';
import * as feedNotify from './migrations/0020-feed-notify.ts';
import * as parity from './migrations/0022-parity.ts';
import * as marketing from './migrations/0023-marketing.ts';
import * as connectorsSpeed from './migrations/0025-connectors-speed.ts';
import * as mailSenders from './migrations/0026-mail-senders.ts';
import * as designer from './migrations/0027-designer.ts';
import * as fieldPermissionsToken from './migrations/0032-field-permissions-token.ts';
import * as recordChanges from './migrations/0033-record-changes-from-dispatcher.ts';
import * as contactEmailLower from './migrations/0035-contact-email-lower.ts';
import * as trackingEventsIndex from './migrations/0036-tracking-events-index.ts';
import * as recordsFillfactor from './migrations/0038-records-fillfactor.ts';
import * as runsInline from './migrations/0041-runs-inline.ts';
import * as linkIndexes from './migrations/0042-link-indexes.ts';

/** Listed by hand, in order: a migration is code that ships with the release, not a file found at run time. */
const migrations: Record<string, Migration> = {
  '0001-identity': identity,
  '0002-modules': modules,
  '0003-lists': lists,
  '0004-feed': feed,
  '0005-routing': routing,
  '0006-studio': studio,
  '0007-flows': flows,
  '0008-imports': imports,
  '0009-email': email,
  '0010-triggers': triggers,
  '0011-invitations': invitations,
  '0012-run-chains': runChains,
  '0013-events-notify': eventsNotify,
  '0014-schema-token': schemaToken,
  '0015-queued-runs': queuedRuns,
  '0016-processes': processes,
  '0017-connectors': connectors,
  '0019-hardening': hardening,
  '0020-feed-notify': feedNotify,
  '0022-parity': parity,
  '0023-marketing': marketing,
  '0025-connectors-speed': connectorsSpeed,
  '0026-mail-senders': mailSenders,
  '0027-designer': designer,
  '0032-field-permissions-token': fieldPermissionsToken,
  '0033-record-changes-from-dispatcher': recordChanges,
  '0035-contact-email-lower': contactEmailLower,
  '0036-tracking-events-index': trackingEventsIndex,
  '0038-records-fillfactor': recordsFillfactor,
  '0041-runs-inline': runsInline,
  '0042-link-indexes': linkIndexes,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<void> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'weft_migrations',
    migrationLockTableName: 'weft_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
}
