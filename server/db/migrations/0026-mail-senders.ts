import { type Kysely, sql } from 'kysely';

/**
 * Who a mail goes out from, and what a web form learnt about its visitor:
 * - `email_outbox.account_id`: the sending account (null: the system SMTP settings), so a
 *   flow's mail leaves from the rep's own account, a web lead's answer from the web-lead
 *   sender; `headers`: extra headers (List-Unsubscribe and List-Unsubscribe-Post, RFC 8058).
 * - `web_form_submissions.visitor_id`: the web tracker's visitor id (its first-party cookie)
 *   of the browser that posted, linked to the contact once the submission is processed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table email_outbox
    add column account_id uuid references email_accounts (id) on delete set null,
    add column headers jsonb`.execute(db);
  await sql`alter table web_form_submissions add column visitor_id uuid`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table web_form_submissions drop column if exists visitor_id`.execute(db);
  await sql`alter table email_outbox drop column if exists account_id, drop column if exists headers`.execute(
    db,
  );
}
