/**
 * Putting a palette entry on the canvas. A flow has one trigger, so placing a trigger
 * replaces it, keeping its links and the params the new type also has (the module,
 * usually); any other type is a new node under a fresh id. The placed node is selected.
 */
import { type Catalog, triggerId } from './catalog.ts';
import { type Canvas, defaultParams, newNodeId } from './flow-graph.ts';

export function placeNode(
  canvas: Canvas,
  catalog: Catalog,
  type: string,
  position: { x: number; y: number },
): Canvas | null {
  const entry = catalog.get(type);
  if (!entry) return null;
  const params = defaultParams(entry.params);
  const known = (entry.params.properties ?? {}) as Record<string, unknown>;
  const unselected = canvas.nodes.map((n) => ({ ...n, selected: false }));
  if (entry.kind === 'trigger') {
    return {
      ...canvas,
      nodes: unselected.map((n) => {
        if (n.id !== triggerId) return n;
        const carried = Object.fromEntries(Object.entries(n.data.params).filter(([key]) => key in known));
        return {
          ...n,
          data: { nodeType: type, params: { ...params, ...carried } },
          position,
          selected: true,
        };
      }),
    };
  }
  const id = newNodeId(
    type,
    canvas.nodes.map((n) => n.id),
  );
  return {
    ...canvas,
    nodes: [...unselected, { id, type: 'step', position, data: { nodeType: type, params }, selected: true }],
  };
}
