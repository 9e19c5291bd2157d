import {
  addEdge,
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  type Connection,
  Controls,
  type Edge,
  type EdgeChange,
  MarkerType,
  MiniMap,
  type Node,
  type NodeChange,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import { type DragEvent, type RefObject, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { type Catalog, triggerId } from '../model/catalog.ts';
import { type Clip, copySelection, deleteSelection, paste } from '../model/clipboard.ts';
import { checkConnection } from '../model/connection-rules.ts';
import {
  type Canvas,
  type CanvasEdge,
  type CanvasNode,
  type CanvasNote,
  edgeIdOf,
  isNoteId,
  newNoteId,
  notePrefix,
} from '../model/flow-graph.ts';
import { autoLayout } from '../model/layout.ts';
import { freeHandle, freeSpot, placeAfter, placeNode } from '../model/place-node.ts';
import { CanvasContext, useCanvasInfo } from './canvas-context.ts';
import { FlowNodeView } from './flow-node.tsx';
import { type NoteData, NoteView } from './note-view.tsx';
import type { FlowEditor } from './use-flow-editor.ts';

export const dragType = 'application/weft-node';
const arrow = { type: MarkerType.ArrowClosed, width: 18, height: 18 };
const nodeTypes = { trigger: FlowNodeView, step: FlowNodeView, note: NoteView };
const noteSize = { width: 220, height: 120 };

/** A note drawn as a React Flow node of type `note` (its id prefixed). */
const noteNode = (note: CanvasNote): Node<NoteData> => ({
  id: `${notePrefix}${note.id}`,
  type: 'note',
  position: note.position,
  data: { note },
  width: note.width ?? noteSize.width,
  height: note.height ?? noteSize.height,
  selected: note.selected ?? false,
  zIndex: -1,
});

/** Back from React Flow's node to the note, keeping what the flow stores. */
function noteOf(node: Node, before: CanvasNote): CanvasNote {
  const note: CanvasNote = { ...before, position: node.position, selected: node.selected ?? false };
  if (node.width !== undefined && node.width !== (before.width ?? noteSize.width)) note.width = node.width;
  if (node.height !== undefined && node.height !== (before.height ?? noteSize.height))
    note.height = node.height;
  return note;
}
const quietKinds = new Set(['select', 'dimensions', 'position']);

function typingInto(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  return !!element?.closest?.('input, textarea, select, [contenteditable="true"], .monaco-editor');
}

interface Props {
  editor: FlowEditor;
  catalog: Catalog;
  /** Set to a function that places a node of a type in view (the palette's click). */
  placeRef?: RefObject<((type: string) => void) | null>;
}

export function FlowCanvas({ editor, catalog, placeRef }: Props) {
  const { canvas, change, changeQuietly, commit } = editor;
  const flow = useReactFlow();
  const dragBase = useRef<Canvas | null>(null);
  const clipboard = useRef<Clip | null>(null);
  const canvasRef = useRef(canvas);
  canvasRef.current = canvas;

  const onNodesChange = useCallback(
    (changes: NodeChange[]) => {
      const kept = changes.filter((c) => c.type !== 'remove');
      if (kept.length === 0) return;
      const forNote = (c: NodeChange) => 'id' in c && isNoteId(c.id);
      const noteChanges = kept.filter(forNote);
      const stepChanges = kept.filter((c) => !forNote(c));
      const current = canvasRef.current;
      let notes = current.notes;
      if (noteChanges.length > 0 && notes) {
        const before = new Map(notes.map((n) => [`${notePrefix}${n.id}`, n]));
        const moved = applyNodeChanges(noteChanges, notes.map(noteNode) as Node[]);
        notes = moved.map((node) => noteOf(node, before.get(node.id) as CanvasNote));
      }
      const nodes =
        stepChanges.length > 0
          ? (applyNodeChanges(stepChanges, current.nodes as Node[]) as unknown as CanvasNode[])
          : current.nodes;
      const next = notes ? { ...current, nodes, notes } : { ...current, nodes };
      if (kept.every((c) => quietKinds.has(c.type))) changeQuietly(next);
      else change(next);
    },
    [change, changeQuietly],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const kept = changes.filter((c) => c.type !== 'remove');
      if (kept.length === 0) return;
      const edges = applyEdgeChanges(kept, canvasRef.current.edges as Edge[]) as unknown as CanvasEdge[];
      changeQuietly({ ...canvasRef.current, edges });
    },
    [changeQuietly],
  );

  const isValidConnection = useCallback(
    (connection: Connection | Edge) => checkConnection(canvasRef.current, catalog, connection) === null,
    [catalog],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      const current = canvasRef.current;
      if (checkConnection(current, catalog, connection) !== null) return;
      const sourceHandle = connection.sourceHandle ?? 'out';
      const edge = {
        id: edgeIdOf({ ...connection, sourceHandle }),
        source: connection.source,
        target: connection.target,
        sourceHandle,
      };
      change({ ...current, edges: addEdge(edge, current.edges as Edge[]) as unknown as CanvasEdge[] });
    },
    [catalog, change],
  );

  const onDrop = useCallback(
    (event: DragEvent) => {
      event.preventDefault();
      const position = flow.screenToFlowPosition({ x: event.clientX - 120, y: event.clientY - 28 });
      const placed = placeNode(canvasRef.current, catalog, event.dataTransfer.getData(dragType), position);
      if (placed) change(placed);
    },
    [catalog, change, flow],
  );

  // A click in the palette adds the node after the selected one, linked; with none selected,
  // in the middle of what the canvas shows. Never on top of another node.
  useEffect(() => {
    if (!placeRef) return;
    placeRef.current = (type: string) => {
      const current = canvasRef.current;
      const selected = current.nodes.filter((n) => n.selected);
      const only = selected.length === 1 ? selected[0] : undefined;
      const handle =
        only && catalog.get(type)?.kind !== 'trigger' ? freeHandle(current, catalog, only.id) : null;
      if (only && handle) {
        const placed = placeAfter(current, catalog, type, only.id, handle);
        if (placed) return change(placed);
      }
      const pane = document.querySelector('.react-flow__pane')?.getBoundingClientRect();
      if (!pane) return;
      const centre = flow.screenToFlowPosition({ x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 });
      const spot =
        catalog.get(type)?.kind === 'trigger'
          ? { x: centre.x - 120, y: centre.y - 28 }
          : freeSpot(current, { x: centre.x - 120, y: centre.y - 28 });
      const placed = placeNode(current, catalog, type, spot);
      if (placed) change(placed);
    };
    return () => {
      placeRef.current = null;
    };
  }, [placeRef, catalog, change, flow]);

  const resizeBase = useRef<Canvas | null>(null);
  const editNote = useCallback(
    (noteId: string, patch: Partial<CanvasNote> | null | 'resize-start') => {
      const current = canvasRef.current;
      if (patch === 'resize-start') {
        resizeBase.current = current;
        return;
      }
      const notes = current.notes ?? [];
      const next = {
        ...current,
        notes:
          patch === null
            ? notes.filter((n) => n.id !== noteId)
            : notes.map((n) => (n.id === noteId ? { ...n, ...patch } : n)),
      };
      if (resizeBase.current && patch && 'width' in patch) {
        changeQuietly(next);
        commit(resizeBase.current);
        resizeBase.current = null;
      } else change(next);
    },
    [change, changeQuietly, commit],
  );

  /** A new note in the middle of what the canvas shows, selected, ready to be written. */
  const addNote = useCallback(() => {
    const current = canvasRef.current;
    const notes = current.notes ?? [];
    const pane = document.querySelector('.react-flow__pane')?.getBoundingClientRect();
    const centre = pane
      ? flow.screenToFlowPosition({ x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 })
      : { x: 0, y: 0 };
    const note: CanvasNote = {
      id: newNoteId(notes),
      text: '',
      color: 'yellow',
      position: {
        x: Math.round(centre.x - noteSize.width / 2),
        y: Math.round(centre.y - noteSize.height / 2),
      },
      selected: true,
    };
    change({
      ...current,
      nodes: current.nodes.map((n) => ({ ...n, selected: false })),
      notes: [...notes.map((n) => ({ ...n, selected: false })), note],
    });
  }, [change, flow]);

  const layout = useCallback(() => {
    change(autoLayout(canvasRef.current));
    requestAnimationFrame(() => flow.fitView({ padding: 0.2 }));
  }, [change, flow]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (typingInto(event.target)) return;
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (mod && key === 'z' && !event.shiftKey) editor.undo();
      else if (mod && (key === 'y' || (key === 'z' && event.shiftKey))) editor.redo();
      else if (mod && key === 'c') clipboard.current = copySelection(canvasRef.current);
      else if (mod && key === 'v' && clipboard.current) change(paste(canvasRef.current, clipboard.current));
      else if (key === 'delete' || key === 'backspace') {
        const current = canvasRef.current;
        const notes = current.notes?.filter((n) => !n.selected);
        const withoutNotes =
          notes && notes.length !== current.notes?.length ? { ...current, notes } : current;
        change(deleteSelection(withoutNotes));
      } else if (event.shiftKey && key === 'n') addNote();
      else if (event.shiftKey && key === 'l') layout();
      else if (event.shiftKey && key === 'f') flow.fitView({ padding: 0.2 });
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [change, editor.undo, editor.redo, layout, flow, addNote]);

  const info = useCanvasInfo();
  const { runStatus } = info;
  const withNotes = useMemo(() => ({ ...info, editNote }), [info, editNote]);
  const nodes = useMemo(
    () => (canvas.notes?.length ? [...canvas.notes.map(noteNode), ...canvas.nodes] : canvas.nodes) as Node[],
    [canvas.notes, canvas.nodes],
  );
  // Edges point at their target and say which handle they leave (true / false, a case,
  // error); the path the watched run took (both ends ran) is highlighted.
  const edges = useMemo(
    () =>
      canvas.edges.map((e): Edge => {
        const labelled: Edge = {
          ...e,
          markerEnd: arrow,
          ...(e.sourceHandle && e.sourceHandle !== 'out' ? { label: e.sourceHandle } : {}),
        };
        return runStatus.size > 0 &&
          runStatus.has(e.target) &&
          (e.source === triggerId || runStatus.has(e.source))
          ? { ...labelled, className: 'ran', animated: true }
          : labelled;
      }),
    [canvas.edges, runStatus],
  );
  const [minimap, setMinimap] = useState(() => window.innerWidth >= 1200);
  // A big flow opens at full size on its trigger rather than fitted: fitted, every node is
  // drawn too small to read, and drawing them all is what makes opening and panning slow.
  const big = canvas.nodes.length > 150;
  const [opening] = useState(() => {
    const trigger = canvas.nodes.find((n) => n.id === triggerId)?.position ?? { x: 0, y: 0 };
    return { x: -trigger.x + 200, y: -trigger.y + 40, zoom: 1 };
  });
  const defaultEdgeOptions = useMemo(() => ({ style: { strokeWidth: 1.5 } }), []);

  return (
    <CanvasContext.Provider value={withNotes}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onNodeDragStart={() => {
          dragBase.current = canvasRef.current;
        }}
        onNodeDragStop={() => {
          if (dragBase.current) commit(dragBase.current);
          dragBase.current = null;
        }}
        onDrop={onDrop}
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'move';
        }}
        deleteKeyCode={null}
        defaultEdgeOptions={defaultEdgeOptions}
        onlyRenderVisibleElements={big}
        fitView={!big}
        defaultViewport={big ? opening : undefined}
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        minZoom={0.05}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={16} />
        <Controls showInteractive={false}>
          <button
            type="button"
            className="react-flow__controls-button"
            title="Auto-layout (Shift+L)"
            onClick={layout}
            aria-label="Auto-layout"
          >
            ⇅
          </button>
          <button
            type="button"
            className="react-flow__controls-button"
            title="Add a sticky note (Shift+N)"
            aria-label="Add a sticky note"
            data-testid="add-note"
            onClick={addNote}
          >
            ✎
          </button>
          <button
            type="button"
            className="react-flow__controls-button"
            title={minimap ? 'Hide the map' : 'Show the map'}
            aria-label={minimap ? 'Hide the map' : 'Show the map'}
            aria-pressed={minimap}
            onClick={() => setMinimap((shown) => !shown)}
          >
            ▦
          </button>
        </Controls>
        {minimap && <MiniMap pannable zoomable nodeStrokeWidth={3} />}
      </ReactFlow>
    </CanvasContext.Provider>
  );
}
