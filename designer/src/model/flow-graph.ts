/**
 * Flow JSON ⇄ React Flow nodes and edges. The trigger is drawn as a node with the
 * reserved id `trigger`. `node.data` holds only JSON (type and params) so a canvas state
 * survives `JSON.parse(JSON.stringify(...))` and can be kept in the undo history.
 */
import type { Flow, FlowEdge, FlowNote } from '../../../schemas/flow.ts';
import { mainHandle, triggerId } from './catalog.ts';

export interface StepData {
  [key: string]: unknown;
  nodeType: string;
  params: Record<string, unknown>;
  /** The name a person gave the step (shown instead of the type's title); the id stays the key. */
  label?: string;
}

export interface CanvasNode {
  id: string;
  type: 'trigger' | 'step';
  position: { x: number; y: number };
  data: StepData;
  selected?: boolean;
}

export interface CanvasEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle: string;
  selected?: boolean;
}

export interface Canvas {
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  /**
   * Sticky notes, kept apart from the nodes so no graph rule (links, layout, copy, problems)
   * ever meets one; the canvas draws them as React Flow nodes of their own type.
   */
  notes?: CanvasNote[];
}

/** A sticky note as the canvas holds it: the flow's note, plus whether it is selected. */
export type CanvasNote = FlowNote & { selected?: boolean };

/** React Flow ids of notes are prefixed so they never collide with a step's id. */
export const notePrefix = 'note:';
export const isNoteId = (id: string) => id.startsWith(notePrefix);

/** A fresh note id: `n1`, `n2`, … */
export function newNoteId(notes: readonly FlowNote[]): string {
  const used = new Set(notes.map((n) => n.id));
  for (let i = 1; ; i += 1) if (!used.has(`n${i}`)) return `n${i}`;
}

/** What a step is called for a person: its label, else the node type's title. */
export const stepName = (node: { label?: string | undefined }, title: string) => node.label ?? title;

/** What a flow holds besides its graph (name, description, settings), kept as is. */
export type FlowMeta = Omit<Flow, 'trigger' | 'nodes' | 'edges' | 'notes'>;

export const edgeIdOf = (edge: Pick<FlowEdge, 'source' | 'target' | 'sourceHandle'>) =>
  `${edge.source}:${edge.sourceHandle ?? mainHandle}->${edge.target}`;

const origin = { x: 0, y: 0 };

export function toCanvas(flow: Flow): Canvas {
  const nodes: CanvasNode[] = [
    {
      id: triggerId,
      type: 'trigger',
      position: flow.trigger.position ?? origin,
      data: { nodeType: flow.trigger.type, params: { ...flow.trigger.params } },
    },
    ...flow.nodes.map(
      (node): CanvasNode => ({
        id: node.id,
        type: 'step',
        position: node.position,
        data: {
          nodeType: node.type,
          params: { ...node.params },
          ...(node.label ? { label: node.label } : {}),
        },
      }),
    ),
  ];
  const edges = flow.edges.map(
    (edge): CanvasEdge => ({
      id: edge.id ?? edgeIdOf(edge),
      source: edge.source,
      target: edge.target,
      sourceHandle: edge.sourceHandle ?? mainHandle,
    }),
  );
  return flow.notes?.length ? { nodes, edges, notes: flow.notes.map((n) => ({ ...n })) } : { nodes, edges };
}

const rounded = (p: { x: number; y: number }) => ({ x: Math.round(p.x), y: Math.round(p.y) });

/**
 * Back to flow JSON. The main handle is written as no `sourceHandle` (the engine's
 * default), and edge ids only when they differ from the derived one, so a flow read and
 * written back unchanged stays byte-for-byte the same shape.
 */
export function toFlow(meta: FlowMeta, canvas: Canvas): Flow {
  const trigger = canvas.nodes.find((n) => n.id === triggerId);
  if (!trigger) throw new Error('the canvas has no trigger');
  const flow: Flow = {
    ...meta,
    trigger: {
      type: trigger.data.nodeType,
      params: trigger.data.params,
      position: rounded(trigger.position),
    },
    nodes: canvas.nodes
      .filter((n) => n.id !== triggerId)
      .map((n) => ({
        id: n.id,
        type: n.data.nodeType,
        ...(n.data.label ? { label: n.data.label } : {}),
        params: n.data.params,
        position: rounded(n.position),
      })),
    edges: canvas.edges.map((e) => {
      const edge: FlowEdge = { source: e.source, target: e.target };
      if (e.sourceHandle !== mainHandle) edge.sourceHandle = e.sourceHandle;
      if (e.id !== edgeIdOf(edge)) edge.id = e.id;
      return edge;
    }),
  };
  if (canvas.notes?.length)
    flow.notes = canvas.notes.map(({ selected: _selected, ...n }) => ({
      ...n,
      position: rounded(n.position),
      ...(n.width !== undefined ? { width: Math.round(n.width) } : {}),
      ...(n.height !== undefined ? { height: Math.round(n.height) } : {}),
    }));
  return flow;
}

export function metaOf(flow: Flow): FlowMeta {
  const { trigger: _t, nodes: _n, edges: _e, notes: _notes, ...meta } = flow;
  return meta;
}

/** A fresh node id from the type's last segment: `feed.post` → `post`, `post2`, … */
export function newNodeId(nodeType: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const last = nodeType.split('.').pop() ?? 'step';
  const base = /^[A-Za-z]/.test(last) ? last.replace(/[^A-Za-z0-9_-]/g, '') : `n${last}`;
  if (!used.has(base) && base !== triggerId) return base;
  for (let i = 2; ; i += 1) if (!used.has(`${base}${i}`)) return `${base}${i}`;
}

/** Defaults from a params schema's top-level `default`s, so a dropped node starts valid where it can. */
export function defaultParams(schema: { [key: string]: unknown }): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, { default?: unknown }>;
  const params: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(properties))
    if (property && property.default !== undefined) params[key] = property.default;
  return params;
}
