import { type Kysely, sql } from 'kysely';

/**
 * The designer and newcomer pass (issue 16):
 * - imports: link choices, flows opt-in, retries (see below);
 * - each user's display preferences (time zone, locale, date style, clock), read by every
 *   screen that shows a date; empty means "the workspace's";
 * - open record pages and lists refresh when a record changes, whoever changed it (a
 *   person, an import, a flow): every statement writing record events tells the live
 *   channel which records of which module changed. A trigger rather than a call in each
 *   writer, so none can forget it; per statement, so an import's batch is one message. The
 *   message carries ids only (at most 100 per module, else none: "many changed"); pages read
 *   the records again through the API, which applies the reader's permissions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users add column display_prefs jsonb not null default '{}'::jsonb`.execute(db);
  // Imports: the user's choices for link names matching none or several records, whether
  // the module's flows run for the imported records (off unless asked), and which import a
  // retry repeats (the file and mapping of a failed import are kept for it).
  await sql`alter table imports
    add column link_choices jsonb not null default '{}'::jsonb,
    add column run_flows boolean not null default false,
    add column retry_of uuid references imports (id) on delete set null`.execute(db);
  await createRecordsChangedTrigger(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger events_records_changed on events`.execute(db);
  await sql`drop function weft_records_changed()`.execute(db);
  await sql`alter table imports drop column link_choices, drop column run_flows, drop column retry_of`.execute(
    db,
  );
  await sql`alter table users drop column display_prefs`.execute(db);
}

/** The statement trigger on `events` that pushed `record.changed` (dropped by migration 0033). */
export async function createRecordsChangedTrigger(db: Kysely<unknown>): Promise<void> {
  await sql`create function weft_records_changed() returns trigger language plpgsql as $$
    declare changed record;
    begin
      for changed in
        select module, array_agg(distinct record_id) as ids, count(distinct record_id) as n,
               bool_or(type = 'record.created') as created, bool_or(type = 'record.deleted') as deleted
        from inserted
        where type in ('record.created', 'record.updated', 'record.deleted', 'tag.added', 'tag.removed')
          and module is not null and record_id is not null
        group by module
      loop
        perform pg_notify('weft_live', json_build_object(
          'type', 'record.changed',
          'data', json_build_object(
            'module', changed.module,
            'ids', case when changed.n <= 100 then to_json(changed.ids) else null end,
            'created', changed.created,
            'deleted', changed.deleted),
          'to', json_build_object('everyone', true))::text);
      end loop;
      return null;
    end $$`.execute(db);
  await sql`create trigger events_records_changed after insert on events
    referencing new table as inserted
    for each statement execute function weft_records_changed()`.execute(db);
}
