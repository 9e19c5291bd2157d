import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { render } from '../../engine/core/templates.ts';
import { publish } from '../collaboration/live.ts';
import { insertNewRecords } from '../data/new-records.ts';
import type { Db } from '../db/index.ts';
import { queueEmail } from '../email/email.ts';
import type { Actor } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import type { SettingsService } from '../platform/settings.ts';
import { checkAssignee } from '../records/record-access.ts';
import { updateEntry } from '../records/record-bulk-write.ts';
import { createdPost } from '../records/record-posts.ts';
import { routeRecords } from '../routing/routing.ts';
import { recordsDb, tableOf } from '../studio/fields.ts';
import type { ModuleDefinition } from '../studio/modules.ts';
import { toColumns, toRecord } from '../studio/record-schema.ts';
import type { WebForm } from './forms.ts';

/**
 * The set-based half of the form worker (form-process.ts): a batch's web leads, written
 * together in the batch's transaction as `createRecord` / `updateRecord` write one. New
 * contacts with their changelog rows, `record.created` and `tag.added` events (one
 * statement), routing turns taken for all of them at once (`routeRecords`); matched contacts
 * updated (one statement, then one for their changelog rows, `record.updated` / tag events
 * and "updated" posts); then the "created" and "web lead" feed posts, the `webform.submitted`
 * events and the submissions marked processed (one statement). What else a batch holds (a
 * second submission with an email of the batch, cases) goes one by one.
 */

type Values = Record<string, unknown>;

export interface Writer {
  principal: Principal;
  actor: Actor;
}

interface LeadBase {
  submissionId: string;
  form: WebForm;
  writer: Writer;
  /** What the visitor sent, as stored. */
  submitted: Values;
  email: string | undefined;
  visitorId: string | null;
}

/**
 * A web lead of a batch, its values already checked against the module: a contact to create
 * (none has the email, or the form makes duplicates), to update, or to leave as it is.
 */
export type PlannedLead = LeadBase &
  (
    | {
        action: 'create';
        outcome: 'created' | 'duplicate';
        /** As `createRecord` takes them (tags and lead source in). */
        values: Values;
        /** Whether routing picks the assignee (the form's switch, and no assignee given). */
        route: boolean;
      }
    | {
        action: 'update' | 'skip';
        outcome: 'updated' | 'skipped';
        contactId: string;
        /** The contact as it was (locked). */
        before: Values;
        /** As `updateRecord` takes them (tags merged with the contact's); none for a skip. */
        values: Values;
      }
  );

type Matched = Extract<PlannedLead, { contactId: string }>;

export type VisitorLink = (trx: Db, visitorId: string, module: string, recordId: string) => Promise<void>;

/**
 * The contacts with these emails (lower-cased), the oldest per email: X2CRM matched web
 * leads the same way. One statement per batch, served by migration 0035's `lower(email)` index.
 */
export async function contactsByEmail(trx: Db, emails: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (emails.length === 0) return found;
  const { rows } = await sql<{ id: string; email: string }>`
    select distinct on (lower(email)) id, lower(email) as email from ${sql.table(tableOf('contacts'))}
    where lower(email) = any(${emails}::text[])
    order by lower(email), created_at, id`.execute(recordsDb(trx));
  for (const row of rows) found.set(row.email, String(row.id));
  return found;
}

/** Whether lead routing assigns new contacts (as `createRecord` asks). */
async function routingOn(trx: Db): Promise<boolean> {
  const row = await trx
    .selectFrom('routingSettings')
    .select('enabled')
    .where('module', '=', 'contacts')
    .executeTakeFirst();
  return row?.enabled === true;
}

/** The matched contacts, locked for their update (in id order), as the API answers them. */
export async function lockContacts(
  trx: Db,
  module: ModuleDefinition,
  ids: string[],
): Promise<Map<string, Values>> {
  const found = new Map<string, Values>();
  if (ids.length === 0) return found;
  const { rows } = await sql<Values>`
    select * from ${sql.table(module.table)} where id = any(${ids}::uuid[]) order by id for update`.execute(
    recordsDb(trx),
  );
  for (const row of rows) found.set(String(row.id), toRecord(module, row));
  return found;
}

/**
 * Writes the leads' contacts, events, posts and auto-responses and marks their submissions
 * processed. Throws the database's error (a unique value taken…): the caller rolls the lot
 * back to its savepoint and takes the leads one by one, where each fails alone.
 */
export async function writeLeads(
  trx: Db,
  boss: PgBoss | null,
  settingsService: SettingsService,
  module: ModuleDefinition,
  leads: PlannedLead[],
  visitorLinks: Iterable<VisitorLink>,
): Promise<void> {
  if (leads.length === 0) return;
  const creates = leads.filter((lead) => lead.action === 'create');
  const routed = creates.filter((lead) => lead.route);
  const routing = routed.length > 0 && (await routingOn(trx));
  const checked = new Set<string>();
  for (const lead of creates) {
    if (routing && lead.route) continue;
    // Unassigned input goes to the form's writer, within what its scope allows (once per writer).
    lead.values.assignedTo ??= lead.writer.principal.id;
    const key = `${lead.writer.principal.id}:${String(lead.values.assignedTo)}`;
    if (checked.has(key)) continue;
    checked.add(key);
    await checkAssignee(trx, lead.writer.principal, 'contacts', lead.values.assignedTo as string | null);
  }
  // The contact each lead ends with, as written (or as it was, left or unchanged).
  const records = new Map<PlannedLead, Values>();
  const updated = await updateContacts(
    trx,
    module,
    leads.filter((lead): lead is Matched => lead.action === 'update'),
  );
  for (const lead of leads) if (lead.action !== 'create') records.set(lead, updated.get(lead) ?? lead.before);
  if (routing) {
    // The rotation's counter row stays locked until the commit: taken as late as can be.
    const decisions = await routeRecords(
      trx,
      'contacts',
      routed.map((lead) => lead.values),
      { settings: settingsService },
    );
    routed.forEach((lead, index) => {
      lead.values.assignedTo = decisions[index]?.assignee ?? null;
    });
  }
  const inserted = await insertContacts(trx, module, creates);
  creates.forEach((lead, n) => {
    records.set(lead, inserted[n] as Values);
  });

  // The submissions' events and posts, built here from the contacts as written.
  const rows = leads.map((lead, n) => {
    const record = records.get(lead) as Values;
    const contactId = String(record.id);
    const name = [lead.values.firstName, lead.values.lastName]
      .filter((part) => typeof part === 'string' && part)
      .join(' ');
    return {
      n,
      submission: lead.submissionId,
      contact: contactId,
      outcome: lead.outcome,
      actor: lead.writer.actor.id,
      payload: {
        formId: lead.form.id,
        formName: lead.form.name,
        submissionId: lead.submissionId,
        values: lead.submitted,
        outcome: lead.outcome,
        contactId,
        record,
      },
      created: lead.action === 'create' ? createdPost(module, record).text : null,
      lead:
        lead.outcome === 'skipped'
          ? null
          : `Web lead from the form “${lead.form.name}”${name ? `: ${name}` : ''}`,
    };
  });
  const { rows: done } = await sql<{ posts: number; marked: number }>`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as i(n int, submission uuid, contact uuid, outcome text, actor uuid, payload jsonb, created text, lead text)
    ), posted as (
      -- Each contact's "created" post, then its "web lead" post, as one by one.
      insert into feed_posts (type, text, author_id, module, record_id, visibility)
      select type, text, author, 'contacts', contact, 'public' from (
        select n, 0 as k, 'record-created' as type, created as text, actor as author, contact from input
        where created is not null and ${switchedOn('record-created')}
        union all
        select n, 1, 'web-lead', lead, null::uuid, contact from input
        where lead is not null and ${switchedOn('web-lead')}
      ) as post
      order by n, k
      returning type
    ), emitted as (
      insert into events (type, module, record_id, payload, actor_id)
      select 'webform.submitted', 'contacts', contact, payload, null from input
      order by n
      returning id, record_id
    ), marked as (
      update web_form_submissions s set status = 'processed', outcome = input.outcome, module = 'contacts',
        record_id = input.contact::text, contact_id = input.contact::text, event_id = emitted.id, processed_at = now()
      from input join emitted on emitted.record_id = input.contact
      where s.id = input.submission
      returning s.id
    )
    select (select count(*) from posted)::int as posts, (select count(*) from marked)::int as marked`.execute(
    recordsDb(trx),
  );
  if (done[0]?.marked !== leads.length)
    throw new Error(`${done[0]?.marked} of ${leads.length} web-form submissions marked processed`);
  // The feeds open on contacts read again (one message for the batch, as the dispatcher does
  // for record posts): a post per lead would be a NOTIFY each.
  if ((done[0]?.posts ?? 0) > 0)
    await publish(trx, {
      type: 'feed.post.created',
      data: { system: true, modules: ['contacts'] },
      to: { everyone: true },
    });

  let mailSettings: Awaited<ReturnType<SettingsService['get']>> | undefined;
  for (const lead of leads) {
    const record = records.get(lead) as Values;
    const contactId = String(record.id);
    const response = lead.form.settings.autoResponse;
    if (response && lead.email && record.doNotEmail !== true) {
      mailSettings ??= await settingsService.get();
      const context = { record: { ...lead.submitted, ...lead.values, ...record, caseNumber: undefined } };
      await queueEmail(trx, boss, mailSettings, {
        from: { role: 'webLead' },
        to: lead.email,
        subject: String(render(response.subject, context)),
        text: String(render(response.body, context)),
        module: 'contacts',
        recordId: contactId,
        idempotencyKey: `webform:${lead.submissionId}`,
      });
    }
    // The browser's web-tracker visitor is this contact from now on, with its earlier page views.
    if (lead.visitorId)
      for (const link of visitorLinks) await link(trx, lead.visitorId, 'contacts', contactId);
  }
}

const switchedOn = (type: string) =>
  sql`coalesce((select (value ->> ${type})::boolean from settings where key = 'feedSystemPosts'), true)`;

/**
 * The matched contacts updated as `updateRecord` updates them: only those whose values
 * change (PostgreSQL compares as stored), one statement per set of columns; then their
 * changelog rows, `record.updated` and tag events and "updated" posts in one statement.
 * Answers each changed lead's contact as written.
 */
async function updateContacts(
  trx: Db,
  module: ModuleDefinition,
  leads: Matched[],
): Promise<Map<PlannedLead, Values>> {
  const written = new Map<Matched, Values>();
  const groups = new Map<string, typeof leads>();
  for (const lead of leads) {
    const columns = Object.keys(toColumns(module, lead.values));
    if (columns.length === 0) continue;
    const key = columns.join(',');
    groups.set(key, [...(groups.get(key) ?? []), lead]);
  }
  const table = sql.table(module.table);
  for (const [key, group] of groups) {
    const columns = key.split(',');
    const json = group.map((lead) => ({ ...toColumns(module, lead.values), id: lead.contactId }));
    const { rows } = await sql<Values>`
      update ${table} as rec set ${sql.join(columns.map((column) => sql`${sql.id(column)} = src.${sql.id(column)}`))},
        updated_at = now()
      from jsonb_populate_recordset(null::${table}, ${JSON.stringify(json)}::jsonb) as src
      where rec.id = src.id
        and (${sql.join(
          columns.map((column) => sql`rec.${sql.id(column)} is distinct from src.${sql.id(column)}`),
          sql` or `,
        )})
      returning rec.*`.execute(recordsDb(trx));
    const byId = new Map(rows.map((row) => [String(row.id), toRecord(module, row)]));
    for (const lead of group) {
      const after = byId.get(lead.contactId);
      if (after) written.set(lead, after);
    }
  }
  const logged = [...written].map(([lead, after], n) => {
    const { changes, post, events } = updateEntry(module, lead.before, after);
    return {
      n,
      record: after.id,
      actor: lead.writer.actor.id,
      actorName: lead.writer.actor.username,
      changes,
      events,
      postType: post?.type ?? null,
      post: post?.text ?? null,
    };
  });
  if (logged.length === 0) return written;
  await sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(logged)}::jsonb)
        as i(n int, record uuid, actor uuid, "actorName" text, changes jsonb, events jsonb, "postType" text, post text)
    ), logged as (
      insert into changelog (module, record_id, action, changes, actor_id, actor_name)
      select ${module.name}, record, 'update', changes, actor, "actorName" from input order by n
    ), posted as (
      insert into feed_posts (type, text, author_id, module, record_id, visibility)
      select "postType", post, actor, ${module.name}, record, 'public' from input
      where post is not null
        and coalesce((select (value ->> "postType")::boolean from settings where key = 'feedSystemPosts'), true)
      order by n
    )
    insert into events (type, module, record_id, payload, actor_id)
    select e.event ->> 'type', ${module.name}, input.record, e.event -> 'payload', input.actor
    from input cross join lateral jsonb_array_elements(input.events) with ordinality as e(event, k)
    order by input.n, e.k`.execute(recordsDb(trx));
  return written;
}

/**
 * The contacts, their changelog rows and their `record.created` / `tag.added` events in one
 * statement per set of columns given, the statement an import's batch writes its rows with
 * (server/data/new-records.ts): the rows travel as one JSON parameter, and the records come
 * back as the API answers them, in the leads' order.
 */
async function insertContacts(trx: Db, module: ModuleDefinition, leads: PlannedLead[]): Promise<Values[]> {
  const records: Values[] = new Array(leads.length);
  // One writer (the form's) and one set of columns per statement.
  const groups = new Map<string, { actor: Actor; items: { n: number; row: Values }[] }>();
  leads.forEach((lead, n) => {
    const { actor } = lead.writer;
    const row = { ...toColumns(module, lead.values), id: randomUUID(), created_by: actor.id };
    const key = `${lead.form.id}|${Object.keys(row).join(',')}`;
    const group = groups.get(key);
    if (group) group.items.push({ n, row });
    else groups.set(key, { actor, items: [{ n, row }] });
  });
  for (const [key, { actor, items }] of groups) {
    const rows = await insertNewRecords(trx, {
      module,
      columns: key.slice(key.indexOf('|') + 1).split(','),
      rows: JSON.stringify(items.map((item) => item.row)),
      actor,
      returnRecords: true,
    });
    const byId = new Map(rows.map((row) => [String(row.id), row.record as Values]));
    for (const { n, row } of items) {
      const written = byId.get(String(row.id));
      if (!written) throw new Error(`contact ${String(row.id)} was not written`);
      records[n] = written;
    }
  }
  return records;
}
