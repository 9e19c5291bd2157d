/**
 * The flow as a graph, and the structure the validator and the compiler share: which scope
 * each node runs in (the top level, one branch of a parallel split, or a loop body), which
 * join closes each split, and where a path goes when it runs out of edges.
 */
import type { Flow, FlowEdge, FlowNode } from '../../schemas/flow.ts';
import { errorHandle, mainHandle, type NodeCatalog, type StepDefinition } from './node-types.ts';

export const triggerId = 'trigger';

export type Scope =
  | { kind: 'root' }
  | { kind: 'region'; split: string; index: number; join: string | undefined; parent: Scope }
  | { kind: 'body'; loop: string; parent: Scope };

/** Where a transition leads: a node, or the end of the enclosing scope. */
export type Target =
  | { kind: 'node'; id: string }
  | { kind: 'regionEnd'; split: string; index: number }
  | { kind: 'loopNext'; loop: string }
  | { kind: 'done' };

export interface StructureProblem {
  nodeId: string;
  code: 'structure.crossesScope' | 'structure.ambiguousJoin' | 'structure.cycle';
  message: string;
}

export interface FlowGraph {
  nodes: ReadonlyMap<string, FlowNode>;
  /** Definitions of the nodes whose type the catalog knows as a step (action or control). */
  definitions: ReadonlyMap<string, StepDefinition>;
  /** Edges by source, the trigger's under `trigger`; edges to unknown nodes are left out. */
  outgoing: ReadonlyMap<string, readonly FlowEdge[]>;
  /** The first node, if the trigger has an edge. */
  entry: string | undefined;
  scopeOf: ReadonlyMap<string, Scope>;
  joinOf: ReadonlyMap<string, string | undefined>;
  problems: StructureProblem[];
}

export function handleOf(edge: FlowEdge): string {
  return edge.sourceHandle ?? mainHandle;
}

export function edgesFrom(
  graph: Pick<FlowGraph, 'outgoing'>,
  id: string,
  handle?: string,
): readonly FlowEdge[] {
  const edges = graph.outgoing.get(id) ?? [];
  return handle === undefined ? edges : edges.filter((edge) => handleOf(edge) === handle);
}

export function roleOf(
  graph: Pick<FlowGraph, 'definitions'>,
  id: string,
): StepDefinition['role'] | undefined {
  return graph.definitions.get(id)?.role;
}

/** The join a split's branches all reach first, skipping the joins of splits nested inside. */
function findJoin(graph: Omit<FlowGraph, 'scopeOf' | 'joinOf' | 'problems'>, split: string): string[] {
  const candidates = new Set<string>();
  const seen = new Set<string>();
  const maxNesting = 32;
  const explore = (id: string, depth: number): void => {
    const key = `${id}@${depth}`;
    if (seen.has(key) || depth > maxNesting) return;
    seen.add(key);
    const role = roleOf(graph, id);
    let next = depth;
    if (role === 'join') {
      if (depth === 0) {
        candidates.add(id);
        return;
      }
      next = depth - 1;
    } else if (role === 'split') {
      next = depth + 1;
    }
    for (const edge of edgesFrom(graph, id)) explore(edge.target, next);
  };
  for (const edge of edgesFrom(graph, split)) explore(edge.target, 0);
  return [...candidates];
}

function scopeContains(scope: Scope, loop: string): boolean {
  for (let s: Scope = scope; s.kind !== 'root'; s = s.parent)
    if (s.kind === 'body' && s.loop === loop) return true;
  return false;
}

export function buildGraph(flow: Flow, catalog: NodeCatalog): FlowGraph {
  const nodes = new Map<string, FlowNode>();
  const definitions = new Map<string, StepDefinition>();
  for (const node of flow.nodes) {
    if (nodes.has(node.id)) continue;
    nodes.set(node.id, node);
    const definition = catalog.get(node.type);
    if (definition && definition.kind !== 'trigger') definitions.set(node.id, definition);
  }
  const outgoing = new Map<string, FlowEdge[]>();
  for (const edge of flow.edges) {
    if (!nodes.has(edge.target) || (edge.source !== triggerId && !nodes.has(edge.source))) continue;
    outgoing.set(edge.source, [...(outgoing.get(edge.source) ?? []), edge]);
  }
  const entry = outgoing.get(triggerId)?.[0]?.target;
  const base = { nodes, definitions, outgoing, entry };

  const scopeOf = new Map<string, Scope>();
  const joinOf = new Map<string, string | undefined>();
  const problems: StructureProblem[] = [];

  const walk = (id: string, scope: Scope): void => {
    if (scope.kind === 'region' && id === scope.join) return;
    if (scope.kind === 'body' && id === scope.loop) return;
    const existing = scopeOf.get(id);
    if (existing) {
      if (
        existing !== scope &&
        !problems.some((p) => p.nodeId === id && p.code === 'structure.crossesScope')
      ) {
        problems.push({
          nodeId: id,
          code: 'structure.crossesScope',
          message:
            'node is reached from inside and outside a parallel branch or loop body; branches may only meet at their join, and a loop body only leads back to its loop',
        });
      }
      return;
    }
    scopeOf.set(id, scope);
    const role = roleOf(base, id);
    if (role === 'split') {
      const joins = findJoin(base, id);
      if (joins.length > 1) {
        problems.push({
          nodeId: id,
          code: 'structure.ambiguousJoin',
          message: `the branches of this split reach different joins: ${joins.join(', ')}`,
        });
      }
      const join = joins.length === 1 ? joins[0] : undefined;
      joinOf.set(id, join);
      edgesFrom(base, id).forEach((edge, index) => {
        walk(edge.target, { kind: 'region', split: id, index, join, parent: scope });
      });
      if (join) walk(join, scope);
      return;
    }
    if (role === 'loop') {
      for (const edge of edgesFrom(base, id, 'each'))
        walk(edge.target, { kind: 'body', loop: id, parent: scope });
      for (const edge of edgesFrom(base, id, 'done')) walk(edge.target, scope);
      return;
    }
    for (const edge of edgesFrom(base, id)) walk(edge.target, scope);
  };
  if (entry) walk(entry, { kind: 'root' });

  const graph: FlowGraph = { ...base, scopeOf, joinOf, problems };
  problems.push(...findCycles(graph));
  return graph;
}

/** Cycles are allowed only as a loop body leading back to its own loop node. */
function findCycles(graph: FlowGraph): StructureProblem[] {
  const problems: StructureProblem[] = [];
  const state = new Map<string, 'open' | 'closed'>();
  const visit = (id: string): void => {
    state.set(id, 'open');
    for (const edge of edgesFrom(graph, id)) {
      const target = edge.target;
      const seen = state.get(target);
      if (seen === 'open') {
        const scope = graph.scopeOf.get(id);
        const loopBack =
          roleOf(graph, target) === 'loop' && scope !== undefined && scopeContains(scope, target);
        if (!loopBack && !problems.some((p) => p.nodeId === target)) {
          problems.push({
            nodeId: target,
            code: 'structure.cycle',
            message: `a cycle through "${id}" → "${target}" does not go through a loop (control.forEach) node's body`,
          });
        }
      } else if (seen === undefined) {
        visit(target);
      }
    }
    state.set(id, 'closed');
  };
  for (const id of graph.nodes.keys()) if (!state.has(id)) visit(id);
  return problems;
}

/** Where a path in `scope` goes when it has no edge, or follows an edge to `targetId`. */
export function resolveTarget(scope: Scope, targetId: string | undefined): Target {
  if (scope.kind === 'region' && (targetId === undefined || targetId === scope.join)) {
    return { kind: 'regionEnd', split: scope.split, index: scope.index };
  }
  if (scope.kind === 'body' && (targetId === undefined || targetId === scope.loop)) {
    return { kind: 'loopNext', loop: scope.loop };
  }
  if (targetId === undefined) return { kind: 'done' };
  return { kind: 'node', id: targetId };
}

/**
 * For each node, the nodes that run before it on every path from the trigger (its strict
 * dominators). Path ends that fall through to a join or loop count as edges to it.
 */
export function dominators(graph: FlowGraph): Map<string, Set<string>> {
  const reachable = [...graph.scopeOf.keys()];
  const preds = new Map<string, Set<string>>(reachable.map((id) => [id, new Set<string>()]));
  const link = (from: string, to: string | undefined) => {
    if (to !== undefined) preds.get(to)?.add(from);
  };
  if (graph.entry) link(triggerId, graph.entry);
  for (const id of reachable) {
    const scope = graph.scopeOf.get(id) as Scope;
    const handles = graph.definitions.get(id)?.handles(graph.nodes.get(id)?.params) ?? [];
    const linked = new Set<string>();
    for (const edge of edgesFrom(graph, id)) {
      link(id, edge.target);
      linked.add(handleOf(edge));
    }
    // An unconnected error handle fails the run; any other unconnected handle falls through.
    const open = handles.some((h) => h.id !== errorHandle && !linked.has(h.id));
    if (open) {
      const end = resolveTarget(scope, undefined);
      if (end.kind === 'regionEnd') link(id, graph.joinOf.get(end.split));
      if (end.kind === 'loopNext') link(id, end.loop);
    }
  }
  const all = new Set([triggerId, ...reachable]);
  const dom = new Map<string, Set<string>>(reachable.map((id) => [id, new Set(all)]));
  dom.set(triggerId, new Set([triggerId]));
  let changed = true;
  while (changed) {
    changed = false;
    for (const id of reachable) {
      let next: Set<string> | undefined;
      for (const pred of preds.get(id) ?? []) {
        const d = dom.get(pred) as Set<string>;
        next = next ? new Set([...next].filter((x) => d.has(x))) : new Set(d);
      }
      next = next ?? new Set();
      next.add(id);
      if (next.size !== dom.get(id)?.size) {
        dom.set(id, next);
        changed = true;
      }
    }
  }
  const strict = new Map<string, Set<string>>();
  for (const id of reachable) {
    const set = new Set(dom.get(id));
    set.delete(id);
    set.delete(triggerId);
    strict.set(id, set);
  }
  addJoinedBranches(graph, preds, strict);
  return strict;
}

/**
 * Past a join, every parallel branch has run, not just one of them: what ran on every path
 * to the end of each branch ran before the join. Plain dominators see the branches as
 * alternatives, so their nodes are added to the join and to what the join dominates.
 */
function addJoinedBranches(
  graph: FlowGraph,
  preds: Map<string, Set<string>>,
  strict: Map<string, Set<string>>,
): void {
  const joins = [...graph.joinOf].filter((entry): entry is [string, string] => entry[1] !== undefined);
  for (let pass = 0; pass <= joins.length; pass += 1) {
    let grew = false;
    for (const [split, join] of joins) {
      const perRegion = new Map<number, Set<string>>();
      for (const pred of preds.get(join) ?? []) {
        const scope = graph.scopeOf.get(pred);
        let region = scope;
        while (region && region.kind === 'body') region = region.parent;
        if (region?.kind !== 'region' || region.split !== split) continue;
        const ran = new Set([...(strict.get(pred) ?? []), pred]);
        const seen = perRegion.get(region.index);
        perRegion.set(region.index, seen ? new Set([...seen].filter((x) => ran.has(x))) : ran);
      }
      const extra = [...perRegion.values()].flatMap((set) => [...set]);
      for (const [id, before] of strict) {
        if (id !== join && !before.has(join)) continue;
        for (const x of extra) {
          if (x !== id && !before.has(x)) {
            before.add(x);
            grew = true;
          }
        }
      }
    }
    if (!grew) return;
  }
}
