import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';

/**
 * Email marketing (server/marketing/): templates, sending accounts, campaigns and
 * newsletters, one row per mail sent with its tracking state, unsubscribes, web activity
 * and SMS.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The key that signs tracking tokens (open pixel, links, unsubscribe): made here, once,
  // from the operating system's generator, and never answered by the API.
  await sql`create table marketing_keys (
    id integer primary key check (id = 1),
    signing_key bytea not null,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`insert into marketing_keys (id, signing_key) values (1, ${randomBytes(32)})`.execute(db);

  await sql`create table email_templates (
    id uuid primary key default gen_random_uuid(),
    name text not null unique,
    category text,
    module text not null default 'contacts',
    subject text not null,
    html text,
    text text,
    created_by uuid references users (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`.execute(db);

  // Sending accounts: owner null is a shared account (bulk, notifications, web leads).
  // The password is AES-256-GCM ciphertext (server/marketing/secrets.ts), never plain.
  await sql`create table email_accounts (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid references users (id) on delete cascade,
    name text not null,
    from_address text not null,
    from_name text,
    host text not null,
    port integer not null check (port between 1 and 65535),
    security text not null check (security in ('none', 'starttls', 'tls')),
    username text,
    password_cipher text,
    signature text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`.execute(db);

  await sql`create table newsletters (
    id uuid primary key default gen_random_uuid(),
    name text not null unique,
    category text,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create table newsletter_subscribers (
    newsletter_id uuid not null references newsletters (id) on delete cascade,
    address text not null,
    name text,
    module text,
    record_id uuid,
    created_at timestamptz not null default now(),
    unsubscribed_at timestamptz,
    primary key (newsletter_id, address)
  )`.execute(db);

  await sql`create table campaigns (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    list_id uuid references lists (id) on delete set null,
    newsletter_id uuid references newsletters (id) on delete set null,
    template_id uuid not null references email_templates (id),
    account_id uuid references email_accounts (id) on delete set null,
    status text not null default 'draft'
      check (status in ('draft', 'scheduled', 'running', 'paused', 'done', 'cancelled')),
    scheduled_at timestamptz,
    launched_at timestamptz,
    finished_at timestamptz,
    -- The delivery job in turn: each batch's job id derives from (campaign, batch), so a
    -- job sent twice is stored once and a stale one finds its batch done.
    batch integer not null default 0,
    -- What launching found: queued, and skipped for do-not-email, unsubscribed, no address.
    summary jsonb,
    created_by uuid references users (id) on delete set null,
    created_at timestamptz not null default now()
  )`.execute(db);

  // One row per mail: a campaign's recipient (unique per campaign and address, so nobody
  // is queued twice) or a single templated mail about a record. Its id is in the tracking
  // tokens; links holds the URLs the mail carried, the only ones its clicks may reach.
  await sql`create table marketing_messages (
    id uuid primary key default gen_random_uuid(),
    campaign_id uuid references campaigns (id) on delete cascade,
    newsletter_id uuid references newsletters (id) on delete set null,
    template_id uuid references email_templates (id) on delete set null,
    category text,
    module text,
    record_id uuid,
    address text not null,
    name text,
    state text not null default 'queued' check (state in
      ('queued', 'sending', 'sent', 'failed', 'bounced', 'opened', 'clicked', 'unsubscribed')),
    links jsonb not null default '[]'::jsonb,
    message_id text,
    subject text,
    last_error text,
    created_at timestamptz not null default now(),
    -- The campaign's delivery batch that claimed it.
    batch integer,
    -- Set just before the SMTP attempt (20 at a time): a mail claimed but never tried is safe to send again.
    attempted_at timestamptz,
    sent_at timestamptz,
    opened_at timestamptz,
    clicked_at timestamptz,
    unsubscribed_at timestamptz,
    bounced_at timestamptz,
    unique (campaign_id, address)
  )`.execute(db);
  await sql`create index marketing_messages_queue_idx on marketing_messages (campaign_id, state, id)`.execute(
    db,
  );
  await sql`create index marketing_messages_record_idx on marketing_messages (module, record_id, created_at)`.execute(
    db,
  );
  await sql`create index marketing_messages_message_id_idx on marketing_messages (message_id)`.execute(db);
  await sql`create index marketing_messages_address_idx on marketing_messages (lower(address))`.execute(db);

  // What came back, one row each, for the campaign's chart (opens and clicks over time).
  await sql`create table marketing_events (
    id bigserial primary key,
    message_id uuid not null references marketing_messages (id) on delete cascade,
    campaign_id uuid,
    kind text not null check (kind in ('open', 'click', 'unsubscribe', 'bounce')),
    url text,
    at timestamptz not null default now()
  )`.execute(db);
  await sql`create index marketing_events_campaign_idx on marketing_events (campaign_id, at)`.execute(db);

  // category '*' is "all email"; an address is kept lower-cased.
  await sql`create table email_unsubscribes (
    address text not null,
    category text not null,
    created_at timestamptz not null default now(),
    primary key (address, category)
  )`.execute(db);
  await sql`create table email_bounces (
    address text primary key,
    hard integer not null default 0,
    soft integer not null default 0,
    last_at timestamptz not null default now(),
    last_reason text
  )`.execute(db);

  // Web activity: a visitor is a first-party cookie; once recognised it names a record.
  await sql`create table web_visitors (
    id uuid primary key,
    module text,
    record_id uuid,
    campaign_id uuid,
    created_at timestamptz not null default now(),
    seen_at timestamptz not null default now()
  )`.execute(db);
  await sql`create table web_activity (
    id bigserial primary key,
    visitor_id uuid not null references web_visitors (id) on delete cascade,
    module text,
    record_id uuid,
    campaign_id uuid,
    url text not null,
    referrer text,
    at timestamptz not null default now()
  )`.execute(db);
  await sql`create index web_activity_record_idx on web_activity (module, record_id, at)`.execute(db);
  await sql`create table web_content_requests (
    id uuid primary key default gen_random_uuid(),
    visitor_id uuid,
    module text,
    record_id uuid,
    url text,
    content text,
    answered_at timestamptz,
    created_at timestamptz not null default now()
  )`.execute(db);

  await sql`create table sms_messages (
    id uuid primary key default gen_random_uuid(),
    module text,
    record_id uuid,
    to_number text not null,
    body text not null,
    provider_id text,
    status text not null,
    error text,
    idempotency_key text unique,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'sms_messages',
    'web_content_requests',
    'web_activity',
    'web_visitors',
    'email_bounces',
    'email_unsubscribes',
    'marketing_events',
    'marketing_messages',
    'campaigns',
    'newsletter_subscribers',
    'newsletters',
    'email_accounts',
    'email_templates',
    'marketing_keys',
  ])
    await sql`drop table if exists ${sql.id(table)}`.execute(db);
}
