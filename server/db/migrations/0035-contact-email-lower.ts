import { type Kysely, sql } from 'kysely';

/**
 * Contacts matched by email, case-insensitively (a web form's lead or case, mail captured
 * by the dropbox rules: server/forms/form-batch.ts, server/inbound-mail/capture.ts), are
 * found through `lower(email)`, which the email field's trigram index does not serve: each
 * look-up was a sequential scan of the contacts, growing with them. A btree on the
 * expression answers a batch's `lower(email) = any(…)` by index. Only when the contacts
 * table has its standard email column (a Studio change may have removed it; dropping the
 * column drops the index too).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ found: boolean }>`
    select exists (select 1 from information_schema.columns
      where table_schema = current_schema() and table_name = 'rec_contacts' and column_name = 'email') as found`.execute(
    db,
  );
  if (!rows[0]?.found) return;
  await sql`create index if not exists rec_contacts_email_lower on rec_contacts (lower(email))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists rec_contacts_email_lower`.execute(db);
}
