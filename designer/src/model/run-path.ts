/**
 * The path a run took through its flow version, for the run view: the trigger, then every
 * node it passed in order. Actions come from the run's recorded steps; an if's or a switch's
 * decision from what the run recorded as it decided (the branch, and the values its conditions
 * read then). Runs from before decisions were recorded fall back to the graph: the branch whose
 * nodes ran is the one taken, the values as the run's input held them when it started.
 */
import type { Flow } from '../../../schemas/flow.ts';

export interface PathStep {
  nodeId: string;
  nodeType: string;
  status: string;
  attempt: number;
  error: unknown;
  startedAt: string;
  finishedAt: string | null;
  input: unknown;
  output: unknown;
}

export interface PassedNode {
  nodeId: string;
  nodeType: string;
  /** The recorded attempts of an action; empty for the trigger and control nodes. */
  steps: PathStep[];
  /** For an if or a switch: the handle of the branch the run took. */
  branch?: string;
  /** For an if or a switch: the variables its conditions read, with their values. */
  values?: { path: string; value: unknown }[];
  /**
   * Whether the branch and values are what the run recorded as it decided (else inferred:
   * the branch from which steps ran, the values as the run started).
   */
  recorded?: boolean;
}

/** What the runtime recorded at an if or a switch (`decisions` of `GET /api/runs/:id`). */
export type Decisions = Record<string, { handle: string; values: Record<string, unknown> }>;

const branching = new Set(['control.if', 'control.switch']);

/** Every `{"var": "a.b"}` a json-logic rule reads. */
export function varsOf(rule: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(rule)) for (const item of rule) varsOf(item, into);
  else if (rule && typeof rule === 'object')
    for (const [key, value] of Object.entries(rule)) {
      if (key === 'var') {
        const path = Array.isArray(value) ? value[0] : value;
        if (typeof path === 'string' && path !== '') into.add(path);
      } else varsOf(value, into);
    }
  return into;
}

export function valueAt(data: unknown, path: string): unknown {
  let at = data;
  for (const segment of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[segment];
  }
  return at;
}

export function runPath(
  flow: Flow,
  steps: readonly PathStep[],
  input: unknown,
  decisions: Decisions | null = null,
): PassedNode[] {
  const ran = new Map<string, PathStep[]>();
  for (const step of steps) ran.set(step.nodeId, [...(ran.get(step.nodeId) ?? []), step]);
  const out = new Map<string, { target: string; handle: string }[]>();
  for (const edge of flow.edges)
    out.set(edge.source, [
      ...(out.get(edge.source) ?? []),
      { target: edge.target, handle: edge.sourceHandle ?? 'out' },
    ]);
  const types = new Map(flow.nodes.map((node) => [node.id, node]));

  // Whether any node from `id` on ran (memoised; cycles only pass through loops, cut by `seen`).
  const memo = new Map<string, boolean>();
  const reaches = (id: string, seen = new Set<string>()): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return false;
    seen.add(id);
    const result =
      ran.has(id) ||
      decisions?.[id] !== undefined ||
      (out.get(id) ?? []).some((edge) => reaches(edge.target, seen));
    memo.set(id, result);
    return result;
  };

  const passed: PassedNode[] = [{ nodeId: 'trigger', nodeType: flow.trigger.type, steps: [] }];
  const visited = new Set<string>(['trigger']);
  const queue = [...(out.get('trigger') ?? []).map((edge) => edge.target)];
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (visited.has(id) || !reaches(id)) continue;
    visited.add(id);
    const node = types.get(id);
    if (!node) continue;
    const decision = decisions?.[id];
    const edges = decision
      ? (out.get(id) ?? []).filter((edge) => edge.handle === decision.handle)
      : (out.get(id) ?? []).filter((edge) => reaches(edge.target));
    const entry: PassedNode = { nodeId: id, nodeType: node.type, steps: ran.get(id) ?? [] };
    if (decision) {
      entry.branch = decision.handle;
      entry.values = Object.entries(decision.values).map(([path, value]) => ({ path, value }));
      entry.recorded = true;
    } else if (branching.has(node.type)) {
      entry.branch = edges[0]?.handle ?? 'none';
      entry.values = [...varsOf(node.params)].map((path) => ({ path, value: valueAt(input, path) }));
    }
    passed.push(entry);
    queue.push(...edges.map((edge) => edge.target));
  }
  // Steps of nodes the graph walk did not reach (a definition that changed shape): still shown.
  for (const [nodeId, list] of ran)
    if (!visited.has(nodeId)) passed.push({ nodeId, nodeType: list[0]?.nodeType ?? '', steps: list });
  return passed;
}
