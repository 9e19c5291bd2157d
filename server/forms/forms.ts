import { randomBytes } from 'node:crypto';
import type { FormBody, FormField, FormPatch, FormSettings } from '../../schemas/forms.ts';
import type { Db } from '../db/index.ts';
import { type Actor, audit } from '../platform/audit.ts';
import { type FieldProblem, invalidFields, notFound } from '../platform/errors.ts';
import { type FieldDefinition, getModule, type ModuleDefinition } from '../studio/modules.ts';

export type FormKind = 'lead' | 'case';

export interface WebForm {
  id: string;
  name: string;
  kind: FormKind;
  active: boolean;
  settings: FormSettings;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A web lead writes a contact; a service case writes a case linked to its contact. */
export const moduleOfKind = (kind: FormKind) => (kind === 'lead' ? 'contacts' : 'cases');

/** A form field with the module field it writes. */
export interface ResolvedField extends FormField {
  module: 'contacts' | 'cases';
  /** The name in its module (without `contact.`). */
  field: string;
  definition: FieldDefinition;
}

/** Fields a case form fills itself when the visitor does not. */
const caseDefaults = new Set(['name', 'contactId', 'status', 'origin']);

export function resolveFields(
  kind: FormKind,
  settings: FormSettings,
  modules: { contacts: ModuleDefinition; cases: ModuleDefinition },
): { fields: ResolvedField[]; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const fields: ResolvedField[] = [];
  const seen = new Set<string>();
  settings.fields.forEach((entry, index) => {
    const at = `settings.fields.${index}.name`;
    const toContact = kind === 'lead' || entry.name.startsWith('contact.');
    if (kind === 'lead' && entry.name.startsWith('contact.'))
      return problems.push({ field: at, reason: 'a web lead form names contact fields without contact.' });
    const module = toContact ? modules.contacts : modules.cases;
    const field = entry.name.replace(/^contact\./, '');
    const definition = module.fields.find((candidate) => candidate.name === field);
    if (!definition) return problems.push({ field: at, reason: `is not a field of ${module.label}` });
    if (definition.readOnly || ['assignment', 'link'].includes(definition.type))
      return problems.push({ field: at, reason: 'cannot be filled in by a visitor' });
    if (seen.has(entry.name)) return problems.push({ field: at, reason: 'is on the form twice' });
    seen.add(entry.name);
    if (entry.hidden && (entry.value === undefined || entry.value === ''))
      problems.push({
        field: `settings.fields.${index}.value`,
        reason: 'a hidden field needs its fixed value',
      });
    fields.push({ ...entry, module: toContact ? 'contacts' : 'cases', field, definition });
  });
  // Every record the form writes must be creatable from it.
  const demand = (module: ModuleDefinition, prefix: string, skip: Set<string>) => {
    for (const definition of module.fields) {
      if (!definition.required || skip.has(definition.name) || definition.defaultValue !== null) continue;
      const entry = fields.find((field) => field.module === module.name && field.field === definition.name);
      if (!entry || !(entry.required || entry.hidden))
        problems.push({
          field: 'settings.fields',
          reason: `${prefix}${definition.name} (${definition.label}) is required by ${module.label}: add it as a required or hidden field`,
        });
    }
  };
  demand(modules.contacts, kind === 'case' ? 'contact.' : '', new Set());
  if (kind === 'case') demand(modules.cases, '', caseDefaults);
  const email = fields.find((field) => field.module === 'contacts' && field.field === 'email');
  if (!email)
    problems.push({
      field: 'settings.fields',
      reason: 'needs the contact’s email (email, or contact.email on a case form)',
    });
  return { fields, problems };
}

export async function formModules(db: Db) {
  return { contacts: await getModule(db, 'contacts'), cases: await getModule(db, 'cases') };
}

async function checkSettings(db: Db, kind: FormKind, settings: FormSettings): Promise<void> {
  const { problems } = resolveFields(kind, settings, await formModules(db));
  if (problems.length > 0) throw invalidFields(problems);
}

const columns = ['id', 'name', 'kind', 'active', 'settings', 'createdBy', 'createdAt', 'updatedAt'] as const;

export async function listForms(db: Db): Promise<{ items: WebForm[] }> {
  const items = await db.selectFrom('webForms').select(columns).orderBy('name').execute();
  return { items: items as WebForm[] };
}

export async function getForm(db: Db, id: string): Promise<WebForm> {
  const form = await db.selectFrom('webForms').select(columns).where('id', '=', id).executeTakeFirst();
  if (!form) throw notFound('Form');
  return form as WebForm;
}

export async function createForm(db: Db, actor: Actor, body: FormBody): Promise<WebForm> {
  await checkSettings(db, body.kind, body.settings);
  return db.transaction().execute(async (trx) => {
    const form = await trx
      .insertInto('webForms')
      .values({
        name: body.name,
        kind: body.kind,
        active: body.active ?? true,
        settings: JSON.stringify(body.settings),
        stampSecret: randomBytes(24).toString('base64url'),
        createdBy: actor.id,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
    await audit(
      trx,
      actor,
      'form.create',
      { type: 'form', id: form.id },
      { name: body.name, kind: body.kind },
    );
    return form as WebForm;
  });
}

export async function updateForm(db: Db, actor: Actor, id: string, patch: FormPatch): Promise<WebForm> {
  const current = await getForm(db, id);
  if (patch.settings) await checkSettings(db, current.kind, patch.settings);
  return db.transaction().execute(async (trx) => {
    const form = await trx
      .updateTable('webForms')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.active !== undefined ? { active: patch.active } : {}),
        ...(patch.settings ? { settings: JSON.stringify(patch.settings) } : {}),
        updatedAt: new Date(),
      })
      .where('id', '=', id)
      .returning(columns)
      .executeTakeFirst();
    if (!form) throw notFound('Form');
    await audit(trx, actor, 'form.update', { type: 'form', id }, { changed: Object.keys(patch) });
    return form as WebForm;
  });
}

export async function deleteForm(db: Db, actor: Actor, id: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('webForms').where('id', '=', id).executeTakeFirst();
    if (deleted.numDeletedRows === 0n) throw notFound('Form');
    await audit(trx, actor, 'form.delete', { type: 'form', id });
  });
}

export async function listSubmissions(
  db: Db,
  formId: string,
  query: { limit: number; contactId?: string | undefined },
) {
  let select = db
    .selectFrom('webFormSubmissions')
    .select([
      'id',
      'values',
      'ip',
      'origin',
      'status',
      'outcome',
      'module',
      'recordId',
      'contactId',
      'error',
      'receivedAt',
      'processedAt',
    ])
    .where('formId', '=', formId)
    .orderBy('receivedAt', 'desc')
    .limit(query.limit);
  if (query.contactId) select = select.where('contactId', '=', query.contactId);
  return { items: await select.execute() };
}
