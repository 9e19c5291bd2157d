import type { PgBoss } from 'pg-boss';
import { botProblem, missingStamp, type SubmittedValues, submissionKey } from '../../connectors/web-form.ts';
import { inTransaction as bossTransaction } from '../../engine/runtime/jobs.ts';
import type { Db } from '../db/index.ts';
import { type FieldProblem, forbidden, notFound, WeftError } from '../platform/errors.ts';
import type { FieldDefinition } from '../studio/modules.ts';
import { validateRecordInput } from '../studio/record-schema.ts';
import { formModules, type ResolvedField, resolveFields, type WebForm } from './forms.ts';
import { hitLimits } from './rate-limit.ts';

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
const cache = new Map<
  string,
  { at: number; form: FormRow; modules: Awaited<ReturnType<typeof formModules>> }
>();

async function cachedForm(db: Db, id: string, nowMs: number) {
  const hit = cache.get(id);
  if (hit && nowMs - hit.at < cacheMs) {
    if (!hit.form.active) throw notFound('Form');
    return hit;
  }
  const form = await loadPublicForm(db, id, true);
  const entry = { at: nowMs, form, modules: await formModules(db) };
  if (cache.size > 1000) cache.clear();
  cache.set(id, entry);
  if (!form.active) throw notFound('Form');
  return entry;
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

export interface SubmitInput {
  formId: string;
  posted: SubmittedValues;
  ip: string;
  origin: string | undefined;
  nowMs: number;
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
  await hitLimits(
    db,
    [
      { key: `form:${form.id}`, max: settings.perFormPerMinute ?? 1000 },
      { key: `form-ip:${form.id}:${input.ip}`, max: settings.perIpPerMinute ?? 10 },
    ],
    input.nowMs,
  );
  const bot = (field: string, reason: string) =>
    new WeftError('UNPROCESSABLE', `The submission looks automated: ${field} ${reason}`, [{ field, reason }]);
  const automated = botProblem(
    { id: form.id, stampSecret: form.stampSecret, minFillSeconds: settings.minFillSeconds ?? 3 },
    input.posted,
    input.nowMs,
  );
  const { fields } = resolveFields(form.kind, settings, modules);
  if (automated && automated.reason === missingStamp) {
    // A person with JavaScript off: the form comes back with a stamp, and with what else to fix.
    const { problems } = checkValues(fields, modules, input.posted);
    throw new WeftError(
      'UNPROCESSABLE',
      `The form must be sent from its page: ${automated.field} ${automated.reason}`,
      [automated, ...problems],
    );
  }
  if (automated) throw bot(automated.field, automated.reason);
  const { values, problems } = checkValues(fields, modules, input.posted);
  if (problems.length > 0)
    throw new WeftError('VALIDATION', problems.map((p) => `${p.field} ${p.reason}`).join('; '), problems);
  const key = submissionKey(input.posted, values, input.ip, input.nowMs);
  if (!boss) throw new WeftError('UNAVAILABLE', 'Submissions are not taken while the queue is not running');
  return db.transaction().execute(async (trx) => {
    const stored = await trx
      .insertInto('webFormSubmissions')
      .values({
        formId: form.id,
        submissionKey: key,
        values: JSON.stringify(values),
        ip: input.ip,
        origin: input.origin ?? null,
      })
      .onConflict((oc) => oc.columns(['formId', 'submissionKey']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!stored) {
      const first = await trx
        .selectFrom('webFormSubmissions')
        .select('id')
        .where('formId', '=', form.id)
        .where('submissionKey', '=', key)
        .executeTakeFirstOrThrow();
      return { submissionId: first.id, duplicate: true, form };
    }
    await boss.send(formsQueue, { id: stored.id }, { id: stored.id, db: bossTransaction(trx) });
    return { submissionId: stored.id, duplicate: false, form };
  });
}
