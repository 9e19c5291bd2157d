import type { PgBoss } from 'pg-boss';
import { botProblem, type SubmittedValues, submissionKey } from '../../connectors/web-form.ts';
import { inTransaction as bossTransaction } from '../../engine/runtime/jobs.ts';
import type { Db } from '../db/index.ts';
import { type FieldProblem, forbidden, notFound, WeftError } from '../platform/errors.ts';
import type { FieldDefinition } from '../studio/modules.ts';
import { validateRecordInput } from '../studio/record-schema.ts';
import { formModules, type ResolvedField, resolveFields, type WebForm } from './forms.ts';
import { countLimits, type Limit } from './rate-limit.ts';

export const formsQueue = 'weft.forms.process';

interface FormRow extends WebForm {
  stampSecret: string;
}

/**
 * Public posts read their form (and its module fields) from a per-process cache of two
 * seconds: a busy form costs no lookups per post, and an admin's change (or switching it
 * off) reaches every process within two seconds.
 */
const cacheMs = 2_000;
const cache = new Map<string, { at: number; entry: Promise<CachedForm> }>();
type CachedForm = { form: FormRow; modules: Awaited<ReturnType<typeof formModules>> };

/** One read per form and expiry, however many posts arrive meanwhile (they share it). */
async function cachedForm(db: Db, id: string, nowMs: number): Promise<CachedForm> {
  let hit = cache.get(id);
  if (!hit || nowMs - hit.at >= cacheMs) {
    const entry = (async () => ({
      form: await loadPublicForm(db, id, true),
      modules: await formModules(db),
    }))();
    hit = { at: nowMs, entry };
    if (cache.size > 1000) cache.clear();
    cache.set(id, hit);
    // A failed read (an unknown form, the database away) is not kept.
    entry.catch(() => cache.get(id) === hit && cache.delete(id));
  }
  const found = await hit.entry;
  if (!found.form.active) throw notFound('Form');
  return found;
}

export async function loadPublicForm(db: Db, id: string, inactiveToo = false): Promise<FormRow> {
  const form = await db
    .selectFrom('webForms')
    .select([
      'id',
      'name',
      'kind',
      'active',
      'settings',
      'stampSecret',
      'createdBy',
      'createdAt',
      'updatedAt',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!form || (!form.active && !inactiveToo)) throw notFound('Form');
  return form as FormRow;
}

const truthy = new Set(['on', 'true', '1', 'yes']);
const falsy = new Set(['off', 'false', '0', 'no']);

/** A posted string as the module field's value: forms post text, records hold types. */
function coerce(definition: FieldDefinition, raw: string | string[]): unknown {
  const multiple = definition.options.multiple === true || definition.type === 'tags';
  if (multiple) return (Array.isArray(raw) ? raw : [raw]).map((value) => value.trim()).filter(Boolean);
  const text = (Array.isArray(raw) ? (raw[0] ?? '') : raw).trim();
  switch (definition.type) {
    case 'number':
    case 'currency':
    case 'percentage':
    case 'rating':
      return text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'boolean':
      return truthy.has(text.toLowerCase()) ? true : falsy.has(text.toLowerCase()) ? false : text;
    default:
      return text;
  }
}

const present = (value: unknown) =>
  value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);

/**
 * The visitor's values checked against the form and the module's fields: one problem per bad
 * field, named as the form names it, so that the form can show each next to its field.
 */
export function checkValues(
  fields: ResolvedField[],
  modules: Awaited<ReturnType<typeof formModules>>,
  posted: SubmittedValues,
): { values: Record<string, unknown>; problems: FieldProblem[] } {
  const values: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const field of fields) {
    const raw = field.hidden ? field.value : posted[field.name];
    const value = raw === undefined ? undefined : coerce(field.definition, raw);
    if (!present(value)) {
      if (field.required) problems.push({ field: field.name, reason: 'is required' });
      continue;
    }
    try {
      validateRecordInput(modules[field.module], 'update', { [field.field]: value });
      values[field.name] = value;
    } catch (error) {
      const detail = (error as WeftError).details as FieldProblem[] | undefined;
      problems.push({ field: field.name, reason: detail?.[0]?.reason ?? 'is not valid' });
    }
  }
  return { values, problems };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface SubmitInput {
  formId: string;
  posted: SubmittedValues;
  ip: string;
  origin: string | undefined;
  nowMs: number;
  /** The web tracker's visitor id (its `weft_vid` cookie), linked to the contact once processed. */
  visitor?: string | null | undefined;
}

export type SubmitResult = { submissionId: string; duplicate: boolean; form: WebForm };

/** Whether a site may post this form (no list: any site; the form's own page always). */
export function originAllowed(form: WebForm, origin: string | undefined, ownOrigin: string): boolean {
  const allowed = form.settings.allowedOrigins ?? [];
  if (origin === undefined || origin === ownOrigin || allowed.length === 0) return true;
  return allowed.includes(origin);
}

/**
 * The public submission: limits, bot checks and validation, then the submission and its
 * processing job commit together before the visitor gets an answer. A repeated post (the
 * same rendered form's key, or the same values from the same address within ten minutes)
 * is recognised and stores nothing new.
 *
 * Posts arriving together are accepted together (`Accepts`): one statement counts all their
 * limits, one transaction stores all their submissions and jobs, and each post is answered
 * once that transaction has committed. A post waits at most for the batch before it.
 */
export async function submitForm(
  db: Db,
  boss: PgBoss | null,
  input: SubmitInput,
  ownOrigin: string,
): Promise<SubmitResult> {
  const { form, modules } = await cachedForm(db, input.formId, input.nowMs);
  const { settings } = form;
  if (!originAllowed(form, input.origin, ownOrigin))
    throw forbidden(`This form does not accept submissions from ${input.origin}`);
  const limits = [
    { key: `form:${form.id}`, max: settings.perFormPerMinute ?? 1000 },
    { key: `form-ip:${form.id}:${input.ip}`, max: settings.perIpPerMinute ?? 10 },
  ];
  // What the post is worth is worked out first (no database); it is said only once the limits
  // are counted, so a refused post still counts against them and a 429 comes first.
  let refusal: WeftError | null = null;
  let row: NewSubmission | null = null;
  const automated = botProblem(
    { id: form.id, stampSecret: form.stampSecret, minFillSeconds: settings.minFillSeconds ?? 3 },
    input.posted,
    input.nowMs,
  );
  const { fields } = resolveFields(form.kind, settings, modules);
  if (automated)
    refusal = new WeftError(
      'UNPROCESSABLE',
      `The submission looks automated: ${automated.field} ${automated.reason}`,
      [automated],
    );
  else {
    const { values, problems } = checkValues(fields, modules, input.posted);
    if (problems.length > 0)
      refusal = new WeftError(
        'VALIDATION',
        problems.map((p) => `${p.field} ${p.reason}`).join('; '),
        problems,
      );
    else if (!boss)
      refusal = new WeftError('UNAVAILABLE', 'Submissions are not taken while the queue is not running');
    else
      row = {
        formId: form.id,
        submissionKey: submissionKey(input.posted, values, input.ip, input.nowMs),
        values: JSON.stringify(values),
        ip: input.ip,
        origin: input.origin ?? null,
        visitorId: input.visitor && uuidPattern.test(input.visitor) ? input.visitor : null,
      };
  }
  const stored = await acceptsOf(db).add({ limits, row: row && boss ? { ...row, boss } : null });
  if (refusal) throw refusal;
  if (!stored) throw new WeftError('UNAVAILABLE', 'Submissions are not taken while the queue is not running');
  return { ...stored, form };
}

interface NewSubmission {
  formId: string;
  submissionKey: string;
  values: string;
  ip: string;
  origin: string | null;
  visitorId: string | null;
}

interface Pending {
  limits: Limit[];
  /** null: the post is only counted (it is refused). */
  row: (NewSubmission & { boss: PgBoss }) | null;
  done: (error: Error | null, stored?: { submissionId: string; duplicate: boolean }) => void;
}

/** The largest batch stored in one transaction. */
const maxBatch = 200;

/**
 * A process's accepts for one database: while a batch is being stored, the posts that arrive
 * wait together for the next one.
 */
class Accepts {
  private queue: Pending[] = [];
  private busy = false;
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  add(pending: Omit<Pending, 'done'>): Promise<{ submissionId: string; duplicate: boolean } | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...pending, done: (error, stored) => (error ? reject(error) : resolve(stored)) });
      if (!this.busy) {
        this.busy = true;
        // Posts parsed in the same turn of the event loop go in the same batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, maxBatch);
      try {
        await this.store(batch);
      } catch (error) {
        for (const pending of batch) pending.done(error as Error);
      }
    }
    this.busy = false;
  }

  private async store(batch: Pending[]): Promise<void> {
    const over = await countLimits(
      this.db,
      batch.map((pending) => pending.limits),
    );
    const accepted: Pending[] = [];
    batch.forEach((pending, i) => {
      const refused = over[i];
      if (refused) pending.done(refused);
      else if (!pending.row) pending.done(null);
      else accepted.push(pending);
    });
    const boss = accepted[0]?.row?.boss;
    if (!boss) return;
    // The first post of a key is the one stored; a repeat in the same batch is its duplicate.
    const keyOf = (row: NewSubmission) => `${row.formId}\u0000${row.submissionKey}`;
    const first = new Map<string, NewSubmission>();
    for (const { row } of accepted)
      if (row && !first.has(keyOf(row))) {
        const { boss: _boss, ...values } = row;
        first.set(keyOf(row), values);
      }
    const ids = await this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('webFormSubmissions')
        .values([...first.values()])
        .onConflict((oc) => oc.columns(['formId', 'submissionKey']).doNothing())
        .returning(['id', 'formId', 'submissionKey'])
        .execute();
      const fresh = new Map(inserted.map((r) => [`${r.formId}\u0000${r.submissionKey}`, r.id]));
      if (inserted.length > 0)
        await boss.insert(
          formsQueue,
          inserted.map((r) => ({ id: r.id, data: { id: r.id } })),
          { db: bossTransaction(trx) },
        );
      const seen = [...first.keys()].filter((key) => !fresh.has(key));
      const earlier = new Map<string, string>();
      if (seen.length > 0) {
        const rows = await trx
          .selectFrom('webFormSubmissions')
          .select(['id', 'formId', 'submissionKey'])
          .where((eb) =>
            eb.or(
              seen.map((key) => {
                const [formId, submissionKey] = key.split('\u0000') as [string, string];
                return eb.and([eb('formId', '=', formId), eb('submissionKey', '=', submissionKey)]);
              }),
            ),
          )
          .execute();
        for (const r of rows) earlier.set(`${r.formId}\u0000${r.submissionKey}`, r.id);
      }
      return { fresh, earlier };
    });
    const answered = new Set<string>();
    for (const pending of accepted) {
      const key = keyOf(pending.row as NewSubmission);
      const freshId = ids.fresh.get(key);
      if (freshId && !answered.has(key)) {
        answered.add(key);
        pending.done(null, { submissionId: freshId, duplicate: false });
      } else pending.done(null, { submissionId: freshId ?? ids.earlier.get(key) ?? '', duplicate: true });
    }
  }
}

const accepts = new WeakMap<Db, Accepts>();
function acceptsOf(db: Db): Accepts {
  let found = accepts.get(db);
  if (!found) {
    found = new Accepts(db);
    accepts.set(db, found);
  }
  return found;
}
