import { referencedVariables, render, validateTemplate } from '../../engine/core/templates.ts';
import type { Db } from '../db/index.ts';
import type { FieldProblem } from '../platform/errors.ts';
import { conflict, invalidFields, notFound } from '../platform/errors.ts';
import { findModule } from '../studio/modules.ts';
import { escapeHtml } from './pages.ts';

/**
 * Email templates: a subject, an HTML and a text body written with the same `{{…}}`
 * variables as flows (engine/core/templates.ts renders and checks them: this file calls
 * its exported functions, whichever engine is behind them), and a category that
 * recipients may unsubscribe from.
 */

export interface TemplateInput {
  name: string;
  category?: string | null;
  module?: string;
  subject: string;
  html?: string | null;
  text?: string | null;
}

const columns = [
  'id',
  'name',
  'category',
  'module',
  'subject',
  'html',
  'text',
  'createdBy',
  'createdAt',
  'updatedAt',
] as const;

/** A mail is about one record: its variables are the record's fields, the sender, and now. */
const roots = new Set(['record', 'user', 'now']);
const userFields = new Set(['id', 'username', 'firstName', 'lastName', 'email', 'title', 'phone']);

/**
 * Every problem of a template against its module, statically: syntax (the template
 * engine's own check), roots that only flows have, and `{{record.x}}` naming no field.
 */
export async function checkTemplate(
  db: Db,
  input: Pick<TemplateInput, 'module' | 'subject' | 'html' | 'text' | 'category'>,
): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const moduleName = input.module ?? 'contacts';
  const module = await findModule(db, moduleName);
  if (!module) return [{ field: 'module', reason: `"${moduleName}" is not a module` }];
  const fields = new Set([
    'id',
    'module',
    'createdAt',
    'updatedAt',
    'assignedTo',
    ...module.fields.map((f) => f.name),
  ]);
  for (const part of ['subject', 'html', 'text'] as const) {
    const template = input[part];
    if (!template) continue;
    for (const problem of validateTemplate(template)) problems.push({ field: part, reason: problem.message });
    for (const variable of referencedVariables(template)) {
      const [root = '', first = ''] = variable.split('.');
      if (!roots.has(root)) {
        problems.push({ field: part, reason: `{{${variable}}}: a template may use record, user and now` });
      } else if (root === 'record' && first && !fields.has(first)) {
        problems.push({ field: part, reason: `{{${variable}}}: ${moduleName} has no field "${first}"` });
      } else if (root === 'user' && first && !userFields.has(first)) {
        problems.push({ field: part, reason: `{{${variable}}}: a user has no "${first}"` });
      }
    }
  }
  if (!input.html && !input.text) problems.push({ field: 'html', reason: 'give an HTML or a text body' });
  return problems;
}

async function checked(db: Db, input: TemplateInput) {
  const problems = await checkTemplate(db, input);
  if (problems.length > 0) throw invalidFields(problems);
}

export async function listTemplates(db: Db, query: { category?: string | undefined } = {}) {
  let select = db.selectFrom('emailTemplates').select(columns).orderBy('name');
  if (query.category) select = select.where('category', '=', query.category);
  return { items: await select.execute() };
}

export async function getTemplate(db: Db, id: string) {
  const row = await db.selectFrom('emailTemplates').select(columns).where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound('Template');
  return row;
}

async function nameTaken(db: Db, name: string, except?: string) {
  let select = db.selectFrom('emailTemplates').select('id').where('name', '=', name);
  if (except) select = select.where('id', '<>', except);
  return (await select.executeTakeFirst()) !== undefined;
}

export async function createTemplate(db: Db, userId: string | null, input: TemplateInput) {
  await checked(db, input);
  if (await nameTaken(db, input.name)) throw conflict('name', 'is already the name of a template');
  return db
    .insertInto('emailTemplates')
    .values({
      name: input.name,
      category: input.category ?? null,
      module: input.module ?? 'contacts',
      subject: input.subject,
      html: input.html ?? null,
      text: input.text ?? null,
      createdBy: userId,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
}

export async function updateTemplate(db: Db, id: string, patch: Partial<TemplateInput>) {
  const current = await getTemplate(db, id);
  const next = { ...current, ...patch };
  await checked(db, next);
  if (patch.name && (await nameTaken(db, patch.name, id)))
    throw conflict('name', 'is already the name of a template');
  return db
    .updateTable('emailTemplates')
    .set({
      name: next.name,
      category: next.category ?? null,
      module: next.module,
      subject: next.subject,
      html: next.html ?? null,
      text: next.text ?? null,
      updatedAt: new Date(),
    })
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirstOrThrow();
}

export async function deleteTemplate(db: Db, id: string) {
  const used = await db.selectFrom('campaigns').select('id').where('templateId', '=', id).executeTakeFirst();
  if (used) throw conflict('id', 'is the template of a campaign');
  const deleted = await db.deleteFrom('emailTemplates').where('id', '=', id).executeTakeFirst();
  if (Number(deleted.numDeletedRows) === 0) throw notFound('Template');
}

/** The same data with every string HTML-escaped: a record's values are text, never markup, in an HTML body. */
function escapedDeep(value: unknown): unknown {
  if (typeof value === 'string') return escapeHtml(value);
  if (Array.isArray(value)) return value.map(escapedDeep);
  if (value instanceof Date) return value;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapedDeep(v)]));
  return value;
}

const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));

export interface RenderContext {
  record: Record<string, unknown> | null;
  user?: Record<string, unknown> | null;
  now: Date;
}

/** A template rendered for one record: values are escaped in the HTML body, raw in subject and text. */
export function renderTemplate(
  template: { subject: string; html: string | null; text: string | null },
  context: RenderContext,
) {
  const plain = { record: context.record ?? {}, user: context.user ?? {}, now: context.now.toISOString() };
  return {
    subject: text(render(template.subject, plain)).replace(/[\r\n]+/g, ' '),
    html: template.html ? text(render(template.html, escapedDeep(plain) as typeof plain)) : null,
    text: template.text ? text(render(template.text, plain)) : null,
  };
}
