/**
 * Copy/paste of a selection: the selected step nodes (never the trigger) with the edges
 * between them, pasted under fresh ids and offset so the copy is visible.
 */
import { triggerId } from './catalog.ts';
import { type Canvas, type CanvasEdge, type CanvasNode, edgeIdOf, newNodeId } from './flow-graph.ts';

export interface Clip {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
}

export function copySelection(canvas: Canvas): Clip | null {
  const nodes = canvas.nodes.filter((n) => n.selected && n.id !== triggerId);
  if (nodes.length === 0) return null;
  const ids = new Set(nodes.map((n) => n.id));
  const edges = canvas.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  return JSON.parse(JSON.stringify({ nodes, edges })) as Clip;
}

export function paste(canvas: Canvas, clip: Clip, offset = 40): Canvas {
  const taken = new Set(canvas.nodes.map((n) => n.id));
  const renamed = new Map<string, string>();
  for (const node of clip.nodes) {
    const id = newNodeId(node.data.nodeType, taken);
    taken.add(id);
    renamed.set(node.id, id);
  }
  const nodes = clip.nodes.map((n) => ({
    ...n,
    id: renamed.get(n.id) as string,
    position: { x: n.position.x + offset, y: n.position.y + offset },
    selected: true,
  }));
  const edges = clip.edges.map((e) => {
    const moved = { ...e, source: renamed.get(e.source) as string, target: renamed.get(e.target) as string };
    return { ...moved, id: edgeIdOf(moved), selected: false };
  });
  return {
    ...canvas,
    nodes: [...canvas.nodes.map((n) => ({ ...n, selected: false })), ...nodes],
    edges: [...canvas.edges.map((e) => ({ ...e, selected: false })), ...edges],
  };
}

/** Deletes the selected nodes (the trigger stays) and edges, and the edges of deleted nodes. */
export function deleteSelection(canvas: Canvas): Canvas {
  const gone = new Set(canvas.nodes.filter((n) => n.selected && n.id !== triggerId).map((n) => n.id));
  return {
    ...canvas,
    nodes: canvas.nodes.filter((n) => !gone.has(n.id)),
    edges: canvas.edges.filter((e) => !e.selected && !gone.has(e.source) && !gone.has(e.target)),
  };
}
