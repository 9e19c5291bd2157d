/**
 * Putting a palette entry on the canvas. A flow has one trigger, so placing a trigger
 * replaces it, keeping its links and the params the new type also has (the module,
 * usually); any other type is a new node under a fresh id. The placed node is selected.
 */
import { type Catalog, errorHandle, handlesOf, mainHandle, triggerId } from './catalog.ts';
import { type Canvas, type CanvasEdge, defaultParams, edgeIdOf, newNodeId } from './flow-graph.ts';
import { nodeSize } from './layout.ts';

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

const gap = { x: 40, y: 56 };

const overlaps = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  Math.abs(a.x - b.x) < nodeSize.width + gap.x / 2 && Math.abs(a.y - b.y) < nodeSize.height + gap.y / 2;

/** The spot nearest `wanted`, going down, where no node already sits: nodes are never stacked. */
export function freeSpot(canvas: Canvas, wanted: { x: number; y: number }): { x: number; y: number } {
  const spot = { ...wanted };
  for (let tries = 0; tries < 200 && canvas.nodes.some((n) => overlaps(n.position, spot)); tries++)
    spot.y += nodeSize.height + gap.y;
  return spot;
}

/**
 * A new node of `type` after `sourceId`'s `handle` (the "+" on a handle, or the palette with
 * a node selected): below its source, a branch's handles spread left to right as they are
 * drawn (true left, false right), linked from that handle. A handle that already leads
 * somewhere (and takes one link) gets the new node in between: source → new → old target.
 */
export function placeAfter(
  canvas: Canvas,
  catalog: Catalog,
  type: string,
  sourceId: string,
  handle: string,
): Canvas | null {
  const source = canvas.nodes.find((n) => n.id === sourceId);
  const entry = catalog.get(type);
  if (!source || !entry || entry.kind === 'trigger') return null;
  const handles = handlesOf(catalog.get(source.data.nodeType), source.data.params);
  const index = Math.max(
    0,
    handles.findIndex((h) => h.id === handle),
  );
  const spread = handles.filter((h) => h.id !== errorHandle).length;
  const offset =
    handle === errorHandle || spread < 2 ? 0 : (index - (spread - 1) / 2) * (nodeSize.width + gap.x);
  const wanted = { x: source.position.x + offset, y: source.position.y + nodeSize.height + gap.y };
  const position = freeSpot(canvas, wanted);
  const placed = placeNode(canvas, catalog, type, position);
  if (!placed) return null;
  const added = placed.nodes.find((n) => !canvas.nodes.some((old) => old.id === n.id));
  if (!added) return null;
  const multiple = handles.find((h) => h.id === handle)?.multiple ?? false;
  const existing = multiple
    ? undefined
    : canvas.edges.find((e) => e.source === sourceId && (e.sourceHandle ?? mainHandle) === handle);
  const link = (from: string, to: string, via: string): CanvasEdge => ({
    id: edgeIdOf({ source: from, target: to, sourceHandle: via }),
    source: from,
    target: to,
    sourceHandle: via,
  });
  const ownOut = handlesOf(entry, added.data.params)[0]?.id;
  const edges = placed.edges.filter((e) => e !== existing);
  edges.push(link(sourceId, added.id, handle));
  if (existing && ownOut) edges.push(link(added.id, existing.target, ownOut));
  return { ...placed, edges };
}

/** The handle a palette click continues from: the selected node's first handle with nothing linked. */
export function freeHandle(canvas: Canvas, catalog: Catalog, nodeId: string): string | null {
  const node = canvas.nodes.find((n) => n.id === nodeId);
  if (!node) return null;
  const handles = handlesOf(catalog.get(node.data.nodeType), node.data.params).filter(
    (h) => h.id !== errorHandle,
  );
  const free = handles.find(
    (h) => !canvas.edges.some((e) => e.source === nodeId && (e.sourceHandle ?? mainHandle) === h.id),
  );
  return (free ?? handles[0])?.id ?? null;
}
