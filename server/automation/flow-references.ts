/**
 * Problems with what a flow's params point at: a user, group, list, record, field, web form,
 * email template, sending account or campaign chosen in the designer (params marked
 * `x-weft-ref` in the node types' schemas) that no longer exists, or a typed value that is
 * not one. Templates (`{{record.assignedTo}}`) are resolved
 * only when the step runs, so they are left alone here. Empty required references are the
 * schema's business (`required`), reported by the static validation.
 */
import { sql } from 'kysely';
import type { FlowProblem } from '../../engine/core/validate.ts';
import { parseRef } from '../../engine/core/x2crm-refs.ts';
import { catalog } from '../../engine/nodes/index.ts';
import { type ReferenceKind, referenceNouns, withArticle } from '../../schemas/references.ts';
import type { Db } from '../db/index.ts';
import { findModule } from '../studio/modules.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Reference {
  nodeId: string;
  key: string;
  title: string;
  kind: ReferenceKind;
  value: unknown;
  /** The module a record, field or field-values reference is about. */
  module: string | undefined;
}

interface NodeLike {
  id?: unknown;
  type?: unknown;
  params?: unknown;
}

/** Every param of the flow marked as a reference, with the node it sits on. */
export function referencesOf(definition: unknown): Reference[] {
  const flow = definition as { trigger?: NodeLike; nodes?: NodeLike[] } | null;
  const triggerParams = (flow?.trigger?.params ?? {}) as Record<string, unknown>;
  const triggerModule = typeof triggerParams.module === 'string' ? triggerParams.module : undefined;
  const nodes: NodeLike[] = [
    { ...flow?.trigger, id: 'trigger' },
    ...(Array.isArray(flow?.nodes) ? flow.nodes : []),
  ];
  // After "switch to a related record" the current record may be of another module: steps
  // without a module of their own are then not checked against the trigger's.
  const switches = nodes.some((node) => node.type === 'record.switchRelated');
  const currentModule = switches ? undefined : triggerModule;
  const found: Reference[] = [];
  for (const node of nodes) {
    if (typeof node.type !== 'string' || typeof node.id !== 'string') continue;
    const schema = catalog.get(node.type)?.params as
      | { properties?: Record<string, { title?: string; 'x-weft-ref'?: ReferenceKind }> }
      | undefined;
    const params = (node.params ?? {}) as Record<string, unknown>;
    const ownModule = typeof params.module === 'string' && params.module !== '' ? params.module : undefined;
    for (const [key, property] of Object.entries(schema?.properties ?? {})) {
      const kind = property['x-weft-ref'];
      if (!kind || params[key] === undefined || params[key] === null || params[key] === '') continue;
      found.push({
        nodeId: node.id,
        key,
        title: property.title ?? key,
        kind,
        value: params[key],
        module: node.id === 'trigger' ? triggerModule : (ownModule ?? currentModule),
      });
    }
  }
  return found;
}

const templated = (value: unknown) => typeof value === 'string' && value.includes('{{');

async function existing(
  db: Db,
  table: 'users' | 'groups' | 'lists' | 'webForms' | 'emailTemplates' | 'emailAccounts' | 'campaigns',
  ids: string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom(table).select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((row) => row.id));
}

export async function referenceProblems(db: Db, definition: unknown): Promise<FlowProblem[]> {
  const references = referencesOf(definition);
  const ids = (kinds: ReferenceKind[]) => [
    ...new Set(
      references
        .filter((r) => kinds.includes(r.kind) && typeof r.value === 'string' && uuid.test(r.value))
        .map((r) => r.value as string),
    ),
  ];
  const [users, groups, lists, forms, templates, accounts, campaigns] = await Promise.all([
    existing(db, 'users', ids(['user', 'assignee'])),
    existing(db, 'groups', ids(['group', 'assignee'])),
    existing(db, 'lists', ids(['list'])),
    existing(db, 'webForms', ids(['form'])),
    existing(db, 'emailTemplates', ids(['emailTemplate'])),
    existing(db, 'emailAccounts', ids(['emailAccount'])),
    existing(db, 'campaigns', ids(['campaign'])),
  ]);
  const problems: FlowProblem[] = [];
  const problem = (reference: Reference, message: string) =>
    problems.push({
      code: reference.nodeId === 'trigger' ? 'trigger.params' : 'node.params',
      nodeId: reference.nodeId,
      path: `/${reference.key}`,
      message,
    });
  const gone = (reference: Reference) =>
    problem(
      reference,
      `The ${referenceNouns[reference.kind]} chosen for "${reference.title}" no longer exists: choose another`,
    );
  for (const reference of references) {
    const { kind, value } = reference;
    // Checked against the node's module, or the current record's while no step switches it.
    if (kind === 'fieldValues') {
      if (!value || typeof value !== 'object' || !reference.module) continue;
      const module = await findModule(db, reference.module);
      if (!module) continue;
      const names = new Set(module.fields.map((f) => f.name));
      for (const name of Object.keys(value))
        if (!names.has(name))
          problems.push({
            code: 'node.params',
            nodeId: reference.nodeId,
            path: `/${reference.key}/${name}`,
            message: `"${name}" is not a field of ${module.label}: choose a field from the list`,
          });
      continue;
    }
    if (kind === 'roles') {
      // A macro's roles: each a role that exists ("*" is everyone).
      const chosen = Array.isArray(value)
        ? value.filter((id): id is string => typeof id === 'string' && id !== '*')
        : [];
      const known =
        chosen.length === 0
          ? []
          : await db
              .selectFrom('roles')
              .select('id')
              .where(
                'id',
                'in',
                chosen.filter((id) => uuid.test(id)),
              )
              .execute();
      if (chosen.some((id) => !known.some((role) => role.id === id)))
        problem(
          reference,
          `A role chosen for "${reference.title}" no longer exists: take it out or choose another`,
        );
      continue;
    }
    if (typeof value !== 'string' || templated(value)) continue;
    // An X2CRM reference an import left is the bindings' problem (x2crm-import.ts), named once there.
    if (parseRef(value)) continue;
    if (kind === 'field') {
      const module = reference.module ? await findModule(db, reference.module) : undefined;
      if (module && !module.fields.some((f) => f.name === value))
        problem(reference, `"${value}" is not a field of ${module.label}: choose a field from the list`);
      continue;
    }
    if (!uuid.test(value)) {
      problem(
        reference,
        `"${reference.title}": pick ${withArticle(referenceNouns[kind])} by name (or a variable); "${value.slice(0, 60)}" is not one`,
      );
      continue;
    }
    if (kind === 'user' && !users.has(value)) gone(reference);
    else if (kind === 'group' && !groups.has(value)) gone(reference);
    else if (kind === 'assignee' && !users.has(value) && !groups.has(value)) gone(reference);
    else if (kind === 'list' && !lists.has(value)) gone(reference);
    else if (kind === 'form' && !forms.has(value)) gone(reference);
    else if (kind === 'emailTemplate' && !templates.has(value)) gone(reference);
    else if (kind === 'emailAccount' && !accounts.has(value)) gone(reference);
    else if (kind === 'campaign' && !campaigns.has(value)) gone(reference);
    else if (kind === 'record') {
      const module = reference.module ? await findModule(db, reference.module) : undefined;
      if (!module) continue;
      const row = await sql<{
        id: string;
      }>`select id from ${sql.table(module.table)} where id = ${value}`.execute(db);
      if (row.rows.length === 0) gone(reference);
    }
  }
  return problems;
}
