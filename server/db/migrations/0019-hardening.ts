import { type Kysely, sql } from 'kysely';

/**
 * Hardening (issue 18). An API token minted with another token remembers its parent, so
 * that revoking the parent revokes it too (`identity/auth.ts`). A flow remembers when it
 * was last switched off: a waiting run is cancelled only if that happened after it started
 * (a run started by hand on an inactive flow runs to its end).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_tokens add column parent_token_id uuid references api_tokens (id) on delete cascade`.execute(
    db,
  );
  await sql`create index api_tokens_parent_idx on api_tokens (parent_token_id) where parent_token_id is not null`.execute(
    db,
  );
  await sql`alter table flows add column deactivated_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table flows drop column deactivated_at`.execute(db);
  await sql`alter table api_tokens drop column parent_token_id`.execute(db);
}
