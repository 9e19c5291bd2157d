/**
 * The installation's half of an X2CRM flow import: usernames resolved to Weft users, the
 * X2CRM ids the admin must bind (lists, groups, records…) listed and bound, and the import's
 * own problems (no steps, no Weft trigger) kept until fixed. The pure half is
 * engine/core/import-x2crm.ts; references are `x2crm:<kind>:<value>` (engine/core/x2crm-refs.ts).
 */
import type { FlowProblem } from '../../engine/core/validate.ts';
import { bindRefs, type RefKind, refMessage, refsIn } from '../../engine/core/x2crm-refs.ts';
import type { Flow } from '../../schemas/flow.ts';
import type { Db } from '../db/index.ts';
import { WeftError } from '../platform/errors.ts';

export interface Binding {
  ref: string;
  kind: RefKind;
  /** The X2CRM username or id. */
  x2crm: string;
  /** Where it is used: `trigger` or node ids. */
  nodeIds: string[];
  message: string;
}

/** The references still in a definition, one entry per reference. */
export function bindingsOf(definition: unknown): Binding[] {
  const byRef = new Map<string, Binding>();
  for (const use of refsIn(definition)) {
    const found = byRef.get(use.ref);
    if (found) {
      if (!found.nodeIds.includes(use.nodeId)) found.nodeIds.push(use.nodeId);
    } else {
      byRef.set(use.ref, {
        ref: use.ref,
        kind: use.kind,
        x2crm: use.value,
        nodeIds: [use.nodeId],
        message: refMessage(use),
      });
    }
  }
  return [...byRef.values()];
}

/** Each reference still in a definition stops publishing, named with its node. */
export function bindingProblems(definition: unknown): FlowProblem[] {
  return refsIn(definition).map((use) => ({
    code: 'import.binding',
    nodeId: use.nodeId,
    path: use.path,
    message: refMessage(use),
  }));
}

/** Usernames replaced by the ids of the Weft users with those usernames; the others are returned. */
export async function resolveUsernames(
  db: Db,
  definition: Flow,
): Promise<{ definition: Flow; notFound: string[] }> {
  const names = [...new Set(refsIn(definition).flatMap((use) => (use.kind === 'user' ? [use.value] : [])))];
  if (names.length === 0) return { definition, notFound: [] };
  const users = await db
    .selectFrom('users')
    .select(['id', 'username'])
    .where((eb) =>
      eb(
        eb.fn('lower', ['username']),
        'in',
        names.map((name) => name.toLowerCase()),
      ),
    )
    .execute();
  const byName = new Map(users.map((user) => [user.username.toLowerCase(), user.id]));
  const answers = new Map<string, string>();
  const notFound: string[] = [];
  for (const name of names) {
    const id = byName.get(name.toLowerCase());
    if (id) answers.set(`x2crm:user:${name}`, id);
    else notFound.push(name);
  }
  return { definition: bindRefs(definition, answers), notFound };
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks that each answer names a Weft thing of the right kind; answers the bound definition. */
export async function bindAnswers(db: Db, definition: Flow, answers: Record<string, string>): Promise<Flow> {
  const pending = new Map(bindingsOf(definition).map((binding) => [binding.ref, binding]));
  const bad: Array<{ field: string; reason: string }> = [];
  for (const [ref, id] of Object.entries(answers)) {
    const binding = pending.get(ref);
    const field = `/values/${ref}`;
    if (!binding) {
      bad.push({ field, reason: 'the flow has no such X2CRM reference left to bind' });
      continue;
    }
    // Processes: a stage is named by its stable id within its process, not a uuid.
    if (binding.kind === 'stage' ? !/^[A-Za-z0-9_-]{1,64}$/.test(id) : !uuid.test(id)) {
      bad.push({ field, reason: `not a Weft ${binding.kind} id` });
      continue;
    }
    const table =
      binding.kind === 'user'
        ? 'users'
        : binding.kind === 'group'
          ? 'groups'
          : binding.kind === 'list'
            ? 'lists'
            : undefined;
    // Records, campaigns and processes live in per-module tables (or other features): the id's
    // shape is checked here, its existence when the step runs.
    if (table) {
      const found = await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
      if (!found) bad.push({ field, reason: `no Weft ${binding.kind} has this id` });
    }
  }
  if (bad.length > 0) {
    throw new WeftError('VALIDATION', 'Some answers do not name what the flow needs', bad);
  }
  return bindRefs(definition, new Map(Object.entries(answers)));
}

/** The import's own problems that still hold for this draft. */
export async function importProblems(db: Db, flowId: string, draft: Flow): Promise<FlowProblem[]> {
  const row = await db
    .selectFrom('flowImportProblems')
    .select(['kind', 'message'])
    .where('flowId', '=', flowId)
    .executeTakeFirst();
  if (!row) return [];
  const holds = row.kind === 'steps' ? draft.nodes.length === 0 : draft.trigger.type === 'trigger.manual';
  return holds ? [{ code: 'import.incomplete', nodeId: 'trigger', message: row.message }] : [];
}

export async function recordImportProblem(
  db: Db,
  flowId: string,
  message: string,
  kind: 'steps' | 'trigger',
) {
  await db.insertInto('flowImportProblems').values({ flowId, kind, message }).execute();
}
