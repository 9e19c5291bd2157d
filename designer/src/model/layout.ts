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
  return {
    ...canvas,
    nodes: canvas.nodes.map((node) => {
      const placed = graph.node(node.id);
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
