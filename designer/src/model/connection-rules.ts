/**
 * Which links the canvas accepts, mirroring engine/core/graph.ts: nothing enters the
 * trigger, no self loops, one edge per handle unless the handle is `multiple` (a parallel
 * split), and no cycle unless it closes a forEach body back onto its loop node.
 */
import { type Catalog, handlesOf, triggerId } from './catalog.ts';
import type { Canvas } from './flow-graph.ts';

export interface Connection {
  source: string;
  target: string;
  sourceHandle?: string | null | undefined;
}

export type Refusal =
  | 'intoTrigger'
  | 'selfLoop'
  | 'unknownNode'
  | 'unknownHandle'
  | 'handleTaken'
  | 'duplicate'
  | 'cycle';

export const refusalMessages: Record<Refusal, string> = {
  intoTrigger: 'Nothing can lead into the trigger',
  selfLoop: 'A node cannot lead to itself',
  unknownNode: 'That node does not exist',
  unknownHandle: 'That node has no such output',
  handleTaken: 'That output already has a link; only a parallel split may fan out',
  duplicate: 'These two nodes are already linked this way',
  cycle: 'A loop back is only allowed from a forEach body to its loop node',
};

/** Nodes reachable from `start` (itself included), following every edge or only those leaving `start` by `handle`. */
function reachable(canvas: Canvas, start: string, firstHandle?: string): Set<string> {
  const seen = new Set<string>([start]);
  const stack = canvas.edges
    .filter((e) => e.source === start && (firstHandle === undefined || e.sourceHandle === firstHandle))
    .map((e) => e.target);
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const edge of canvas.edges) if (edge.source === id) stack.push(edge.target);
  }
  return seen;
}

export function checkConnection(canvas: Canvas, catalog: Catalog, connection: Connection): Refusal | null {
  const { source, target } = connection;
  if (target === triggerId) return 'intoTrigger';
  if (source === target) return 'selfLoop';
  const from = canvas.nodes.find((n) => n.id === source);
  const to = canvas.nodes.find((n) => n.id === target);
  if (!from || !to) return 'unknownNode';
  const handles = handlesOf(catalog.get(from.data.nodeType), from.data.params);
  const handleId = connection.sourceHandle ?? handles[0]?.id;
  const spec = handles.find((h) => h.id === handleId);
  if (!spec) return 'unknownHandle';
  const leaving = canvas.edges.filter((e) => e.source === source && e.sourceHandle === spec.id);
  if (leaving.some((e) => e.target === target)) return 'duplicate';
  if (!spec.multiple && leaving.length > 0) return 'handleTaken';
  if (reachable(canvas, target).has(source)) {
    const loop = catalog.get(to.data.nodeType)?.role === 'loop';
    // Closing a loop: the source must sit in the loop's `each` body.
    if (!loop || !reachable(canvas, target, 'each').has(source)) return 'cycle';
  }
  return null;
}
