import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { render } from '../../engine/core/templates.ts';
import { postSystemEvent } from '../collaboration/system-posts.ts';
import type { Db } from '../db/index.ts';
import { queueEmail } from '../email/email.ts';
import { WeftError } from '../platform/errors.ts';
import { emitEvent } from '../platform/events.ts';
import type { SettingsService } from '../platform/settings.ts';
import { checkWritable } from '../records/field-access.ts';
import { checkReferences, createRecord, getRecord, updateRecord } from '../records/records.ts';
import { getModule, pinModules } from '../studio/modules.ts';
import { validateRecordInput } from '../studio/record-schema.ts';
import {
  contactsByEmail,
  lockContacts,
  type PlannedLead,
  type VisitorLink,
  type Writer,
  writeLeads,
} from './form-batch.ts';
import { formsQueue } from './form-submit.ts';
import { type FormKind, formModules, type WebForm } from './forms.ts';

export type Outcome = 'created' | 'updated' | 'duplicate' | 'skipped' | 'case-created';

/** Who a form's records are written as; `known` keeps them for the rest of a batch. */
async function writerOf(db: Db, form: WebForm, known?: Map<string, Writer>): Promise<Writer> {
  const kept = known?.get(form.id);
  if (kept) return kept;
  const id =
    form.createdBy ??
    (await db.selectFrom('users').select('id').orderBy('createdAt').executeTakeFirstOrThrow()).id;
  const name = `web form: ${form.name}`;
  const writer: Writer = {
    principal: { id, username: name, isAdmin: true, roleIds: [], groupIds: [], permissions: {} },
    actor: { id, username: name },
  };
  known?.set(form.id, writer);
  return writer;
}

function split(kind: FormKind, form: WebForm, values: Record<string, unknown>) {
  const contact: Record<string, unknown> = {};
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (kind === 'lead' || name.startsWith('contact.')) contact[name.replace(/^contact\./, '')] = value;
    else record[name] = value;
  }
  const tags = form.settings.tags ?? [];
  return { contact, record, tags };
}

/**
 * Turns a stored submission into records, in one transaction: the contact matched by email
 * (updated, duplicated or left as it is, per the form), or the case linked to its contact
 * (created when none has the email); tags, lead source and routing; the `webform.submitted`
 * event; the auto-response in the email outbox unless the contact says "do not email".
 * A submission is processed once: it is locked, and only a `received` one is taken.
 */
export async function processSubmission(
  db: Db,
  boss: PgBoss | null,
  settings: SettingsService,
  submissionId: string,
): Promise<Outcome | null> {
  try {
    return await db.transaction().execute((trx) => processOne(trx, boss, settings, submissionId));
  } catch (error) {
    // The values were checked on arrival; a module changed since, or a unique field taken, is
    // the submission's problem, not a reason to retry: it is kept, failed, with the reason.
    if (!(error instanceof WeftError) || error.statusCode >= 500) throw error;
    await markFailed(db, submissionId, error);
    return null;
  }
}

/**
 * A batch of submissions in one transaction (one commit, not one per submission). The batch's
 * submissions are locked together and only `received` ones are taken (a job retried, or run
 * twice at once, finds them processed). Web leads that create a contact are written
 * set-based (form-batch.ts: one email look-up, one insert, routing turns for all, one
 * statement for their events, posts and status); the rest (matched contacts, cases, and the
 * set-based leads again if their statement fails) one at a time, each behind its own
 * savepoint: a submission refused by the module (a 4xx) is marked failed and the rest go
 * on. One that fails otherwise (the database) is rolled back alone and retried on its own
 * once the others have committed; if it fails again the batch's jobs are retried, and the
 * submissions already processed are left as they are.
 */
export async function processSubmissions(
  db: Db,
  boss: PgBoss | null,
  settings: SettingsService,
  submissionIds: string[],
): Promise<void> {
  if (submissionIds.length <= 1) {
    for (const id of submissionIds) await processSubmission(db, boss, settings, id);
    return;
  }
  const alone: string[] = [];
  await db.transaction().execute(async (trx) => {
    // The module definitions are read once for the batch (it changes none).
    pinModules(trx);
    const writers = new Map<string, Writer>();
    const one: string[] = [];
    const leads = await planLeads(trx, submissionIds, writers, one);
    if (leads.length > 0) {
      await sql`savepoint weft_leads`.execute(trx);
      try {
        await writeLeads(trx, boss, settings, await getModule(trx, 'contacts'), leads, visitorLinks);
        await sql`release savepoint weft_leads`.execute(trx);
      } catch {
        // A unique value taken, a module changed under the batch: each lead alone says which
        // (and a fault that is not one lead's fails there too, as it would have here).
        await sql`rollback to savepoint weft_leads`.execute(trx);
        one.push(...leads.map((lead) => lead.submissionId));
      }
    }
    for (const id of one) {
      await sql`savepoint weft_submission`.execute(trx);
      try {
        await processOne(trx, boss, settings, id, writers);
        await sql`release savepoint weft_submission`.execute(trx);
      } catch (error) {
        await sql`rollback to savepoint weft_submission`.execute(trx);
        if (error instanceof WeftError && error.statusCode < 500) await markFailed(trx, id, error);
        else alone.push(id);
      }
    }
  });
  for (const id of alone) await processSubmission(db, boss, settings, id);
}

/**
 * Locks the batch's submissions (in id order: two batches never wait on each other in a
 * cycle) and sorts the `received` ones: web leads that create a contact are answered, ready
 * for `createLeads`; the others' ids go to `one`, in the batch's order. A lead whose values
 * the module refuses is marked failed here, as `createRecord` would have refused it.
 */
async function planLeads(
  trx: Db,
  ids: string[],
  writers: Map<string, Writer>,
  one: string[],
): Promise<PlannedLead[]> {
  const rows = await submissionQuery(trx)
    .where('webFormSubmissions.id', 'in', ids)
    .orderBy('webFormSubmissions.id')
    .forUpdate('webFormSubmissions')
    .execute();
  const order = new Map(ids.map((id, index) => [id, index]));
  const received = rows
    .filter((row) => row.status === 'received')
    .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const emailOf = (row: (typeof received)[number]) => {
    const form = formOf(row);
    const { contact } = split(form.kind, form, row.values);
    return typeof contact.email === 'string' ? contact.email : undefined;
  };
  const wanted = received.filter((row) => row.kind === 'lead').flatMap((row) => emailOf(row) ?? []);
  const matched = await contactsByEmail(trx, [...new Set(wanted.map((email) => email.toLowerCase()))]);
  const contacts = await getModule(trx, 'contacts');
  const fields = new Set(contacts.fields.map((field) => field.name));
  // The first of the batch's submissions per email is written here; a second one with an
  // email of this batch matches the contact the first wrote, so it goes after, one by one
  // (`one`), as do cases.
  const taken = new Set<string>();
  const picked: {
    row: SubmissionRow;
    form: WebForm;
    email?: string | undefined;
    existing?: string | undefined;
  }[] = [];
  for (const row of received) {
    const form = formOf(row);
    const email = emailOf(row);
    const key = email?.toLowerCase();
    if (form.kind !== 'lead' || (key && taken.has(key))) {
      one.push(row.id);
      continue;
    }
    if (key) taken.add(key);
    picked.push({ row, form, email, existing: key ? matched.get(key) : undefined });
  }
  // The contacts matched by the leads that update or leave them, locked as `updateRecord` locks.
  const reused = picked.filter(({ form, existing }) => existing && form.settings.matching !== 'duplicate');
  const current = await lockContacts(
    trx,
    contacts,
    reused.map(({ existing }) => existing as string),
  );
  const leads: PlannedLead[] = [];
  for (const { row, form, email, existing } of picked) {
    const writer = await writerOf(trx, form, writers);
    const { contact, tags } = split(form.kind, form, row.values);
    if (form.settings.leadSource && fields.has('leadSource')) contact.leadSource = form.settings.leadSource;
    if (fields.has('leadtype')) contact.leadtype ??= 'Web';
    const base = {
      submissionId: row.id,
      form,
      writer,
      submitted: row.values,
      email,
      visitorId: row.visitorId,
    };
    try {
      if (existing && form.settings.matching !== 'duplicate') {
        const before = current.get(existing);
        // Gone since the look-up (deleted by someone else): one by one says what happens.
        if (!before) {
          one.push(row.id);
          continue;
        }
        if ((form.settings.matching ?? 'update') !== 'update') {
          leads.push({
            ...base,
            action: 'skip',
            outcome: 'skipped',
            contactId: existing,
            before,
            values: {},
          });
          continue;
        }
        const merged = tags.length > 0 ? { tags: union(before.tags, tags) } : {};
        // What `updateRecord` checks before it writes.
        const given = validateRecordInput(contacts, 'update', { ...contact, ...merged });
        checkWritable(writer.principal, contacts, given);
        await checkReferences(trx, writer.principal, contacts, given, { ...before, ...given });
        leads.push({
          ...base,
          action: 'update',
          outcome: 'updated',
          contactId: existing,
          before,
          values: given,
        });
        continue;
      }
      // What `createRecord` checks before it writes.
      const given = validateRecordInput(contacts, 'create', {
        ...contact,
        ...(tags.length > 0 ? { tags } : {}),
      });
      checkWritable(writer.principal, contacts, given);
      await checkReferences(trx, writer.principal, contacts, given, given);
      leads.push({
        ...base,
        action: 'create',
        outcome: existing ? 'duplicate' : 'created',
        values: { ...given },
        route: (form.settings.routing ?? true) && !('assignedTo' in given),
      });
    } catch (error) {
      if (!(error instanceof WeftError) || error.statusCode >= 500) throw error;
      await markFailed(trx, row.id, error);
    }
  }
  return leads;
}

/** The tags a contact has, then the form's: each once, in that order (as one by one). */
const union = (current: unknown, added: string[]) => [
  ...new Set([...(Array.isArray(current) ? (current as string[]) : []), ...added]),
];

const submissionQuery = (trx: Db) =>
  trx
    .selectFrom('webFormSubmissions')
    .innerJoin('webForms', 'webForms.id', 'webFormSubmissions.formId')
    .select([
      'webFormSubmissions.id',
      'webFormSubmissions.values',
      'webFormSubmissions.status',
      'webFormSubmissions.visitorId',
      'webForms.id as formId',
      'webForms.name',
      'webForms.kind',
      'webForms.settings',
      'webForms.createdBy',
      'webForms.active',
      'webForms.createdAt',
      'webForms.updatedAt',
    ]);

type SubmissionRow = Awaited<ReturnType<ReturnType<typeof submissionQuery>['executeTakeFirstOrThrow']>>;

const formOf = (row: SubmissionRow): WebForm => ({
  id: row.formId,
  name: row.name,
  kind: row.kind,
  active: row.active,
  settings: row.settings,
  createdBy: row.createdBy,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

async function markFailed(db: Db, submissionId: string, error: WeftError): Promise<void> {
  const details = Array.isArray(error.details)
    ? (error.details as { field: string; reason: string }[]).map((p) => `${p.field} ${p.reason}`).join('; ')
    : '';
  await db
    .updateTable('webFormSubmissions')
    .set({ status: 'failed', error: details || error.message, processedAt: new Date() })
    .where('id', '=', submissionId)
    .where('status', '=', 'received')
    .execute();
}

async function processOne(
  trx: Db,
  boss: PgBoss | null,
  settingsService: SettingsService,
  submissionId: string,
  writers?: Map<string, Writer>,
): Promise<Outcome | null> {
  const submission = await submissionQuery(trx)
    .where('webFormSubmissions.id', '=', submissionId)
    .forUpdate('webFormSubmissions')
    .executeTakeFirst();
  if (submission?.status !== 'received') return null;
  const form = formOf(submission);
  const { settings } = form;
  const writer = await writerOf(trx, form, writers);
  const { principal, actor } = writer;
  const routing = settings.routing ?? true;
  const { contact, record, tags } = split(form.kind, form, submission.values);
  const email = typeof contact.email === 'string' ? contact.email : undefined;
  if (form.kind === 'lead') {
    // Standard contact fields an admin may have removed in Studio: set only when present.
    const fields = new Set((await getModule(trx, 'contacts')).fields.map((field) => field.name));
    if (settings.leadSource && fields.has('leadSource')) contact.leadSource = settings.leadSource;
    if (fields.has('leadtype')) contact.leadtype ??= 'Web';
  }
  const existingId = email
    ? (await contactsByEmail(trx, [email.toLowerCase()])).get(email.toLowerCase())
    : undefined;
  let outcome: Outcome;
  let contactId: string;
  // The contact as written (create and update answer it); read only when left as it was.
  let person: Record<string, unknown> | undefined;
  const withTags = async (id: string | undefined) => {
    if (tags.length === 0) return {};
    const current = id ? (await getRecord(trx, principal, 'contacts', id)).tags : [];
    return { tags: [...new Set([...(Array.isArray(current) ? (current as string[]) : []), ...tags])] };
  };
  if (existingId && (form.kind === 'case' || settings.matching !== 'duplicate')) {
    contactId = existingId;
    if (form.kind === 'lead' && (settings.matching ?? 'update') === 'update') {
      person = await updateRecord(
        trx,
        principal,
        actor,
        'contacts',
        existingId,
        { ...contact, ...(await withTags(existingId)) },
        { display: false },
      );
      outcome = 'updated';
    } else outcome = form.kind === 'lead' ? 'skipped' : 'case-created';
  } else {
    const created = await createRecord(
      trx,
      principal,
      actor,
      'contacts',
      { ...contact, ...(await withTags(undefined)) },
      { routing, display: false },
    );
    contactId = String(created.id);
    person = created;
    outcome = existingId ? 'duplicate' : form.kind === 'lead' ? 'created' : 'case-created';
  }
  let module = 'contacts';
  let recordId = contactId;
  let caseNumber: number | undefined;
  let written = person;
  if (form.kind === 'case') {
    const { rows } = await sql<{ n: string }>`select nextval('web_case_number_seq') as n`.execute(trx);
    caseNumber = Number(rows[0]?.n);
    const created = await createRecord(
      trx,
      principal,
      actor,
      'cases',
      {
        status: 'New',
        origin: 'Web',
        name: `Case ${caseNumber}`,
        ...record,
        contactId,
        ...(tags.length > 0 ? { tags } : {}),
      },
      { routing, display: false },
    );
    module = 'cases';
    recordId = String(created.id);
    written = created;
  }
  written ??= await getRecord(trx, principal, module, recordId, { display: false });
  const eventId = await emitEvent(trx, {
    type: 'webform.submitted',
    module,
    recordId,
    payload: {
      formId: form.id,
      formName: form.name,
      submissionId,
      values: submission.values,
      outcome,
      contactId,
      record: written,
      ...(caseNumber !== undefined ? { caseNumber } : {}),
    },
    actorId: null,
  });
  // The activity feed's "web lead received" (issue 20), unless an administrator switched that type off.
  if (form.kind === 'lead' && outcome !== 'skipped') {
    const name = [contact.firstName, contact.lastName]
      .filter((part) => typeof part === 'string' && part)
      .join(' ');
    await postSystemEvent(trx, {
      type: 'web-lead',
      text: `Web lead from the form “${form.name}”${name ? `: ${name}` : ''}`,
      module: 'contacts',
      recordId: contactId,
    });
  }
  if (settings.autoResponse && email) {
    person ??= await getRecord(trx, principal, 'contacts', contactId, { display: false });
    if (person.doNotEmail !== true) {
      const context = { record: { ...submission.values, ...contact, ...written, caseNumber } };
      await queueEmail(trx, boss, await settingsService.get(), {
        // From the sender the settings name for web-lead (or service-case) responses.
        from: { role: form.kind === 'case' ? 'case' : 'webLead' },
        to: email,
        subject: String(render(settings.autoResponse.subject, context)),
        text: String(render(settings.autoResponse.body, context)),
        module,
        recordId,
        idempotencyKey: `webform:${submissionId}`,
      });
    }
  }
  // The browser's web-tracker visitor is this contact from now on, with its earlier page views.
  if (submission.visitorId)
    for (const link of visitorLinks) await link(trx, submission.visitorId, 'contacts', contactId);
  await trx
    .updateTable('webFormSubmissions')
    .set({ status: 'processed', outcome, module, recordId, contactId, eventId, processedAt: new Date() })
    .where('id', '=', submissionId)
    .execute();
  return outcome;
}

/** Links a web-tracker visitor to the contact a form submission turned out to be. */
export type { VisitorLink };

const visitorLinks = new Set<VisitorLink>();

/**
 * Registers what links a form's visitor to its contact: web tracking is marketing's, a later
 * feature than forms, so it registers here (server/queue.ts: `identifyVisitor`). Answers the
 * unregistering function.
 */
export function onFormVisitor(link: VisitorLink): () => void {
  visitorLinks.add(link);
  return () => visitorLinks.delete(link);
}

/**
 * The worker: batches of up to 50 submissions, each batch in one transaction
 * (`processSubmissions`), two batches at a time. Two batches that route new contacts queue
 * on the rotation's counter row from their routing turns to their commit (routing.ts): the
 * set-based batch takes its turns just before its insert, so what they share is that insert
 * and the batch's last statements.
 */
export async function startFormWorker(boss: PgBoss, db: Db, settings: SettingsService): Promise<void> {
  await ensureFormQueue(boss);
  await boss.work<{ id: string }>(
    formsQueue,
    { batchSize: 50, pollingIntervalSeconds: 0.5, burstWhenBatchFull: true, localConcurrency: 2 },
    async (jobs) => {
      await processSubmissions(
        db,
        boss,
        settings,
        jobs.map((job) => job.data.id),
      );
    },
  );
}

const ensured = new WeakMap<PgBoss, Promise<unknown>>();
/** The queue must exist before a submission's job is sent to it (once per queue instance). */
export function ensureFormQueue(boss: PgBoss): Promise<unknown> {
  let created = ensured.get(boss);
  if (!created) {
    created = boss.createQueue(formsQueue, { retryLimit: 10, retryDelay: 5, retryBackoff: true });
    ensured.set(boss, created);
  }
  return created;
}

/** The form's module fields, for the builder (names, labels, types, choices). */
export async function formFieldChoices(db: Db, kind: FormKind) {
  const modules = await formModules(db);
  const pick = (module: (typeof modules)['contacts'], prefix: string) =>
    module.fields
      .filter((field) => !field.readOnly && !['assignment', 'link', 'visibility'].includes(field.type))
      .map((field) => ({
        name: `${prefix}${field.name}`,
        label: prefix ? `Contact: ${field.label}` : field.label,
        type: field.type,
        required: field.required,
      }));
  return kind === 'lead'
    ? pick(modules.contacts, '')
    : [...pick(modules.cases, ''), ...pick(modules.contacts, 'contact.')];
}
