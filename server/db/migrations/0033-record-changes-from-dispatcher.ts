import { type Kysely, sql } from 'kysely';

/**
 * `record.changed` live pushes are sent by the dispatcher, once per batch of events
 * (collaboration/record-changes.ts), instead of by migration 0027's statement trigger on
 * `events`: the trigger gathered every inserted event into a transition table and sent a
 * NOTIFY from each writer's transaction, which then took PostgreSQL's NOTIFY lock at commit
 * (the record path's latency and the import's PostgreSQL time rose with it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger events_records_changed on events`.execute(db);
  await sql`drop function weft_records_changed()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
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
