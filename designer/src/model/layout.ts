/** Auto-layout: a layered top-to-bottom drawing (dagre), the trigger first. */
import dagre from '@dagrejs/dagre';
import type { Canvas } from './flow-graph.ts';

export const nodeSize = { width: 240, height: 72 };

export function autoLayout(canvas: Canvas): Canvas {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'TB', nodesep: 48, ranksep: 64 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of canvas.nodes) graph.setNode(node.id, { ...nodeSize });
  for (const edge of canvas.edges) graph.setEdge(edge.source, edge.target);
  dagre.layout(graph);
  const centres = new Map(canvas.nodes.map((node) => [node.id, { ...graph.node(node.id) }]));
  keepBranchOrder(canvas, centres);
  return {
    ...canvas,
    nodes: canvas.nodes.map((node) => {
      const placed = centres.get(node.id) as { x: number; y: number };
      // dagre answers centres; React Flow positions are top-left corners.
      return {
        ...node,
        position: {
          x: Math.round(placed.x - nodeSize.width / 2),
          y: Math.round(placed.y - nodeSize.height / 2),
        },
      };
    }),
  };
}

/** Where a handle's branch belongs, left to right: true before false, cases in their order, default last. */
function rankOf(node: Canvas['nodes'][number] | undefined, handle: string): number {
  const fixed: Record<string, number> = { true: 0, each: 0, false: 1, done: 1, default: 1000 };
  if (handle in fixed) return fixed[handle] as number;
  const cases = (node?.data.params as { cases?: { handle?: unknown }[] } | undefined)?.cases;
  const index = Array.isArray(cases) ? cases.findIndex((c) => c.handle === handle) : -1;
  return index === -1 ? 500 : index;
}

/**
 * dagre orders siblings to reduce crossings, not by meaning: put each branch's subtree back
 * in its handle's order (true left, false right; cases as listed), swapping their columns.
 */
function keepBranchOrder(canvas: Canvas, centres: Map<string, { x: number; y: number }>) {
  const children = new Map<string, string[]>();
  for (const edge of canvas.edges)
    children.set(edge.source, [...(children.get(edge.source) ?? []), edge.target]);
  const reach = (from: string) => {
    const seen = new Set<string>([from]);
    const stack = [from];
    while (stack.length > 0)
      for (const next of children.get(stack.pop() as string) ?? [])
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
    return seen;
  };
  for (const node of canvas.nodes) {
    const out = canvas.edges.filter((e) => e.source === node.id && e.sourceHandle !== 'error');
    const targets = [
      ...new Set(
        [...out]
          .sort((a, b) => rankOf(node, a.sourceHandle) - rankOf(node, b.sourceHandle))
          .map((e) => e.target),
      ),
    ];
    if (targets.length < 2) continue;
    const subtrees = targets.map(reach);
    // Only what one branch alone reaches moves with it (a join below stays put).
    const own = subtrees.map((tree, i) =>
      [...tree].filter((id) => subtrees.every((other, j) => j === i || !other.has(id))),
    );
    const xs = targets.map((id) => centres.get(id)?.x ?? 0).sort((a, b) => a - b);
    targets.forEach((id, i) => {
      const dx = (xs[i] as number) - (centres.get(id)?.x ?? 0);
      if (dx !== 0)
        for (const moved of own[i] ?? []) {
          const centre = centres.get(moved);
          if (centre) centre.x += dx;
        }
    });
  }
}
