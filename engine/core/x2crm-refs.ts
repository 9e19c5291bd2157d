/**
 * References to X2CRM things that only the installation importing a flow can answer: a
 * username, a group, a list, a record, a campaign, a process. The importer writes them as
 * `x2crm:<kind>:<X2CRM value>` strings where the Weft id belongs; the server resolves
 * usernames at import time, and asks the admin for the rest. A reference left in a draft is a
 * problem that stops publishing, named with its node — never a silent `false`.
 */

export const refKinds = ['user', 'group', 'list', 'record', 'campaign', 'process', 'stage'] as const;
export type RefKind = (typeof refKinds)[number];

const refPattern = new RegExp(`^x2crm:(${refKinds.join('|')}):(.+)$`);

export function x2ref(kind: RefKind, value: string): string {
  return `x2crm:${kind}:${value}`;
}

export function parseRef(value: unknown): { kind: RefKind; value: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = refPattern.exec(value);
  return match ? { kind: match[1] as RefKind, value: match[2] as string } : undefined;
}

export interface RefUse {
  ref: string;
  kind: RefKind;
  /** The X2CRM value: a username, or an X2CRM id. */
  value: string;
  /** `trigger` or the node's id. */
  nodeId: string;
  /** JSON pointer inside the node's params. */
  path: string;
}

function walk(value: unknown, path: string, visit: (value: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) walk(item, `${path}/${index}`, visit);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) walk(item, `${path}/${key}`, visit);
  }
}

type Definition = { trigger?: { params?: unknown }; nodes?: Array<{ id?: unknown; params?: unknown }> };

/** Every X2CRM reference still in a flow definition, where it sits. */
export function refsIn(definition: unknown): RefUse[] {
  const flow = (definition ?? {}) as Definition;
  const uses: RefUse[] = [];
  const collect = (nodeId: string, params: unknown) =>
    walk(params, '', (value, path) => {
      const ref = parseRef(value);
      if (ref) uses.push({ ref: value, ...ref, nodeId, path });
    });
  collect('trigger', flow.trigger?.params);
  for (const node of Array.isArray(flow.nodes) ? flow.nodes : []) collect(String(node.id), node.params);
  return uses;
}

function replace(value: unknown, answers: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return answers.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => replace(item, answers));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replace(item, answers)]));
  }
  return value;
}

/** The definition with each answered reference replaced by its Weft id (a new object). */
export function bindRefs<T>(definition: T, answers: ReadonlyMap<string, string>): T {
  const flow = definition as Definition & Record<string, unknown>;
  return {
    ...flow,
    trigger: flow.trigger ? { ...flow.trigger, params: replace(flow.trigger.params, answers) } : flow.trigger,
    nodes: Array.isArray(flow.nodes)
      ? flow.nodes.map((node) => ({ ...node, params: replace(node.params, answers) }))
      : flow.nodes,
  } as T;
}

const nouns: Readonly<Record<RefKind, string>> = {
  user: 'user',
  group: 'group',
  list: 'list',
  record: 'record',
  campaign: 'campaign',
  process: 'process',
  stage: 'process stage',
};

/** What the admin is asked: "X2CRM list 12: choose the Weft list to use". */
export function refMessage(use: Pick<RefUse, 'kind' | 'value'>): string {
  if (use.kind === 'stage') {
    // Processes: `<process id>/<stage number>`, X2CRM's way of naming a stage.
    const [process, stage] = use.value.split('/');
    return `X2CRM process ${process}, stage ${stage}: choose the Weft process stage to use`;
  }
  return use.kind === 'user'
    ? `X2CRM user "${use.value}" has no Weft user with that username: choose the user to use`
    : `X2CRM ${nouns[use.kind]} ${use.value}: choose the Weft ${nouns[use.kind]} to use`;
}
