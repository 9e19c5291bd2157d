import {
  ActionIcon,
  Badge,
  Box,
  Center,
  Loader,
  Modal,
  SegmentedControl,
  Tabs,
  Text,
  Tooltip,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { ReactFlowProvider } from '@xyflow/react';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, type Page } from '../api.ts';
import { type CatalogEntry, catalogOf } from '../model/catalog.ts';
import { deleteSelection } from '../model/clipboard.ts';
import { placeAfter } from '../model/place-node.ts';
import { plainProblems } from '../model/plain-problems.ts';
import { type FieldRef, variablesFor } from '../model/variables.ts';
import { BindingsPanel } from './bindings-panel.tsx';
import { CanvasContext } from './canvas-context.ts';
import { DesignerToolbar } from './designer-toolbar.tsx';
import { FlowActing } from './flow-acting.tsx';
import { FlowCanvas } from './flow-canvas.tsx';
import { FlowTriggerLog } from './flow-trigger-log.tsx';
import type { FlowDetail, Problem, RunDetail } from './flows-api.ts';
import { Palette } from './palette.tsx';
import { ProblemsPanel } from './problems-panel.tsx';
import { RunsPanel } from './runs-panel.tsx';
import { type FlowEditor, useFlowEditor } from './use-flow-editor.ts';

const JsonView = lazy(() => import('../editor/json-view.tsx'));
// The params form (rjsf with ajv) loads with the first selected node, outside the first bundle.
const NodePanel = lazy(() => import('./node-panel.tsx').then((m) => ({ default: m.NodePanel })));

export function FlowDesigner({ flowId }: { flowId: string }) {
  const [detail, setDetail] = useState<FlowDetail | null>(null);
  const [entries, setEntries] = useState<CatalogEntry[] | null>(null);
  const [modules, setModules] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    Promise.all([
      api<FlowDetail>('GET', `/flows/${flowId}`),
      api<Page<CatalogEntry>>('GET', '/nodes'),
      api<Page<{ name: string }>>('GET', '/modules').catch(() => ({ items: [], nextCursor: null })),
    ]).then(
      ([flow, nodes, mods]) => {
        setDetail(flow);
        setEntries(nodes.items);
        setModules(mods.items.map((m) => m.name));
      },
      (e: Error) => setError(e.message),
    );
  }, [flowId]);

  if (error)
    return (
      <Center h="100%">
        <Text c="red">{error}</Text>
      </Center>
    );
  if (!detail || !entries)
    return (
      <Center h="100%">
        <Loader />
      </Center>
    );
  return <Designer detail={detail} entries={entries} modules={modules} onDetail={setDetail} />;
}

interface DesignerProps {
  detail: FlowDetail;
  entries: CatalogEntry[];
  modules: string[];
  onDetail: (detail: FlowDetail) => void;
}

function Designer({ detail, entries, modules, onDetail }: DesignerProps) {
  const editor = useFlowEditor(detail);
  const catalog = useMemo(() => catalogOf(entries), [entries]);
  const [view, setView] = useState<'canvas' | 'json'>('canvas');
  const place = useRef<((type: string) => void) | null>(null);
  // `?run=<id>` (from a run's page): that run shown on the canvas, in the Runs tab.
  const [linkedRun] = useState(() => new URLSearchParams(window.location.search).get('run'));
  const [tab, setTab] = useState<string | null>(linkedRun ? 'runs' : 'node');
  // On a phone there is no room for three columns: canvas, then the panel, then the palette, one under another.
  const phone = useMediaQuery('(max-width: 36em)') ?? false;
  const [run, setRun] = useState<RunDetail | null>(null);

  // Validator messages in plain words, by field label, each said once.
  const problems = useMemo(
    () =>
      plainProblems(editor.problems, (id) => {
        const type = editor.canvas.nodes.find((n) => n.id === id)?.data.nodeType;
        return type ? catalog.get(type)?.params : undefined;
      }),
    [editor.problems, editor.canvas.nodes, catalog],
  );
  const stepNames = useMemo(
    () =>
      new Map(
        editor.canvas.nodes.flatMap((node) => (node.data.label ? [[node.id, node.data.label] as const] : [])),
      ),
    [editor.canvas.nodes],
  );
  const problemsByNode = useMemo(() => {
    const map = new Map<string, Problem[]>();
    for (const problem of problems)
      if (problem.nodeId) map.set(problem.nodeId, [...(map.get(problem.nodeId) ?? []), problem]);
    return map;
  }, [problems]);
  const runStatus = useMemo(
    () => new Map((run?.steps ?? []).map((step) => [step.nodeId, step.status] as const)),
    [run],
  );
  // The "+" under a handle: the palette in a dialog, the chosen node added there, linked.
  const [addingAfter, setAddingAfter] = useState<{ nodeId: string; handle: string } | null>(null);
  const addFrom = useCallback((nodeId: string, handle: string) => setAddingAfter({ nodeId, handle }), []);
  const info = useMemo(
    () => ({ catalog, problemsByNode, runStatus, addFrom }),
    [catalog, problemsByNode, runStatus, addFrom],
  );
  // On a tablet the canvas gets the room: the palette starts folded away (the "+" buttons
  // and the palette toggle still add nodes); both side columns fold on demand.
  const tablet = useMediaQuery('(max-width: 75em)') ?? false;
  const [paletteOpen, setPaletteOpen] = useState(() => window.innerWidth >= 1200);
  const [panelOpen, setPanelOpen] = useState(true);

  const selected = editor.canvas.nodes.filter((n) => n.selected);
  const node = selected.length === 1 ? selected[0] : undefined;
  // Selecting a node shows its form, whichever tab was open (and the panel, if folded).
  const selectedId = node?.id;
  useEffect(() => {
    if (!selectedId) return;
    setTab('node');
    setPanelOpen(true);
  }, [selectedId]);
  const module = editor.flow.trigger.params.module;
  const [recordFields, setRecordFields] = useState<FieldRef[]>([]);
  useEffect(() => {
    if (typeof module !== 'string') return setRecordFields([]);
    api<{ fields: { name: string; label: string }[] }>('GET', `/modules/${module}`).then(
      (found) =>
        setRecordFields([
          { name: 'id', label: 'Id' },
          ...found.fields.map((f) => ({ name: f.name, label: f.label })),
        ]),
      () => setRecordFields([]),
    );
  }, [module]);

  const select = useCallback(
    (id: string) => {
      editor.changeQuietly({
        ...editor.canvas,
        nodes: editor.canvas.nodes.map((n) => ({ ...n, selected: n.id === id })),
      });
      setTab('node');
    },
    [editor],
  );

  return (
    <CanvasContext value={info}>
      <ReactFlowProvider>
        <Box style={{ display: 'flex', flexDirection: 'column', height: 'calc(100vh - 52px)' }}>
          <DesignerToolbar editor={editor} detail={detail} onDetail={onDetail} catalog={catalog}>
            <SegmentedControl
              size="xs"
              value={view}
              onChange={(value) => setView(value as 'canvas' | 'json')}
              data={[
                { value: 'canvas', label: 'Canvas' },
                { value: 'json', label: 'JSON' },
              ]}
              data-testid="view-switch"
            />
          </DesignerToolbar>
          <Box
            style={
              phone
                ? { display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0, overflowY: 'auto' }
                : { display: 'flex', flex: 1, minHeight: 0 }
            }
          >
            {/* Narrower palette and panel on a tablet, so the canvas keeps room. */}
            {(phone || paletteOpen) && (
              <Box
                w={phone ? undefined : { base: 170, lg: 220 }}
                h={phone ? '45vh' : undefined}
                style={{
                  flexShrink: 0,
                  minHeight: 0,
                  ...(phone
                    ? { order: 2, borderTop: '1px solid var(--mantine-color-gray-3)' }
                    : { borderRight: '1px solid var(--mantine-color-gray-3)' }),
                }}
              >
                <Palette entries={entries} onPick={(type) => place.current?.(type)} />
              </Box>
            )}
            <Box
              h={phone ? '60vh' : undefined}
              style={{ flex: phone ? 'none' : 1, minWidth: 0, position: 'relative' }}
            >
              {!phone && (
                <Box
                  style={{
                    position: 'absolute',
                    top: 8,
                    left: 8,
                    right: 8,
                    zIndex: 5,
                    pointerEvents: 'none',
                  }}
                >
                  <Box style={{ display: 'flex', justifyContent: 'space-between' }}>
                    <Tooltip label={paletteOpen ? 'Hide the palette' : 'Show the palette'}>
                      <ActionIcon
                        variant="default"
                        style={{ pointerEvents: 'auto' }}
                        aria-label={paletteOpen ? 'Hide the palette' : 'Show the palette'}
                        aria-pressed={paletteOpen}
                        onClick={() => setPaletteOpen((open) => !open)}
                      >
                        {paletteOpen ? '«' : '»'}
                      </ActionIcon>
                    </Tooltip>
                    <Tooltip label={panelOpen ? 'Hide the side panel' : 'Show the side panel'}>
                      <ActionIcon
                        variant="default"
                        style={{ pointerEvents: 'auto' }}
                        aria-label={panelOpen ? 'Hide the side panel' : 'Show the side panel'}
                        aria-pressed={panelOpen}
                        onClick={() => setPanelOpen((open) => !open)}
                      >
                        {panelOpen ? '»' : '«'}
                      </ActionIcon>
                    </Tooltip>
                  </Box>
                </Box>
              )}
              {view === 'canvas' ? (
                <FlowCanvas editor={editor} catalog={catalog} placeRef={place} />
              ) : (
                <Suspense
                  fallback={
                    <Center h="100%">
                      <Loader />
                    </Center>
                  }
                >
                  <JsonView flow={editor.flow} onFlow={editor.setFlow} />
                </Suspense>
              )}
            </Box>
            {(phone || panelOpen) && (
              <Box
                w={phone ? undefined : { base: tablet ? 300 : 290, lg: 360 }}
                h={phone ? '70vh' : undefined}
                style={{
                  flexShrink: 0,
                  ...(phone
                    ? { order: 1, borderTop: '1px solid var(--mantine-color-gray-3)' }
                    : { borderLeft: '1px solid var(--mantine-color-gray-3)' }),
                  display: 'flex',
                  flexDirection: 'column',
                  minHeight: 0,
                }}
              >
                <Tabs
                  value={tab}
                  onChange={setTab}
                  style={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0 }}
                >
                  <Tabs.List>
                    <Tabs.Tab value="node">Node</Tabs.Tab>
                    <Tabs.Tab
                      value="problems"
                      rightSection={
                        problems.length > 0 ? (
                          <Badge size="xs" color="red" data-testid="problem-count">
                            {problems.length}
                          </Badge>
                        ) : null
                      }
                    >
                      Problems
                    </Tabs.Tab>
                    <Tabs.Tab value="runs">Runs</Tabs.Tab>
                    <Tabs.Tab value="log">Trigger log</Tabs.Tab>
                    <Tabs.Tab value="settings">Settings</Tabs.Tab>
                  </Tabs.List>
                  <Tabs.Panel value="node" style={{ flex: 1, minHeight: 0 }}>
                    {node ? (
                      <Suspense fallback={<Loader m="md" size="sm" />}>
                        <NodePanel
                          node={node}
                          entry={catalog.get(node.data.nodeType)}
                          problems={problemsByNode.get(node.id) ?? []}
                          modules={modules}
                          variables={variablesFor(editor.canvas, catalog, node.id, recordFields)}
                          triggerModule={typeof module === 'string' ? module : undefined}
                          step={run?.steps.filter((s) => s.nodeId === node.id).at(-1)}
                          onParams={(params) => updateParams(editor, node.id, params)}
                          onLabel={(label) => updateLabel(editor, node.id, label)}
                          onDelete={() => editor.change(deleteSelection(editor.canvas))}
                          webhook={{
                            flowId: detail.id,
                            secret: detail.webhookSecret,
                            onRotated: (webhookSecret) => onDetail({ ...detail, webhookSecret }),
                          }}
                        />
                      </Suspense>
                    ) : (
                      <Text size="sm" c="dimmed" p="md">
                        Select a node to edit its settings. Drag nodes from the palette; link them by dragging
                        from a node's bottom handle to another node.
                      </Text>
                    )}
                  </Tabs.Panel>
                  <Tabs.Panel value="problems" style={{ flex: 1, minHeight: 0 }}>
                    <BindingsPanel
                      flow={editor.flow}
                      setFlow={editor.setFlow}
                      titleOfType={(type) => catalog.get(type)?.title}
                    />
                    <ProblemsPanel
                      problems={problems}
                      onPick={select}
                      titleOf={(id) => {
                        const type = editor.canvas.nodes.find((n) => n.id === id)?.data.nodeType;
                        return (type && catalog.get(type)?.title) ?? id;
                      }}
                    />
                  </Tabs.Panel>
                  <Tabs.Panel value="runs" style={{ flex: 1, minHeight: 0 }}>
                    <RunsPanel
                      flowId={detail.id}
                      module={typeof module === 'string' ? module : undefined}
                      saved={editor.saved}
                      onRunShown={setRun}
                      initialRun={linkedRun}
                      stepNames={stepNames}
                    />
                  </Tabs.Panel>
                  <Tabs.Panel value="log" style={{ flex: 1, minHeight: 0, display: 'flex' }}>
                    {tab === 'log' && <FlowTriggerLog flowId={detail.id} />}
                  </Tabs.Panel>
                  <Tabs.Panel value="settings" style={{ flex: 1, minHeight: 0 }}>
                    <FlowActing
                      createdBy={detail.createdBy ?? null}
                      flowName={detail.name}
                      triggerType={editor.flow.trigger.type}
                    />
                  </Tabs.Panel>
                </Tabs>
              </Box>
            )}
          </Box>
        </Box>
        <Modal
          opened={addingAfter !== null}
          onClose={() => setAddingAfter(null)}
          title="Add a step"
          size="sm"
          data-testid="add-step"
        >
          <Box h={420}>
            <Palette
              entries={entries.filter((entry) => entry.kind !== 'trigger')}
              autoFocus
              onPick={(type) => {
                if (!addingAfter) return;
                const placed = placeAfter(
                  editor.canvas,
                  catalog,
                  type,
                  addingAfter.nodeId,
                  addingAfter.handle,
                );
                if (placed) editor.change(placed);
                setAddingAfter(null);
              }}
            />
          </Box>
        </Modal>
      </ReactFlowProvider>
    </CanvasContext>
  );
}

/** Names a step (an empty name goes back to the node type's title). */
function updateLabel(editor: FlowEditor, id: string, label: string) {
  const trimmed = label.trim().slice(0, 80);
  const current = editor.canvas.nodes.find((n) => n.id === id);
  if (!current || (current.data.label ?? '') === trimmed) return;
  editor.update((canvas) => ({
    ...canvas,
    nodes: canvas.nodes.map((n) => {
      if (n.id !== id) return n;
      const { label: _old, ...data } = n.data;
      return { ...n, data: trimmed ? { ...data, label: trimmed } : data };
    }),
  }));
}

function updateParams(editor: FlowEditor, id: string, params: Record<string, unknown>) {
  const current = editor.canvas.nodes.find((n) => n.id === id);
  if (!current || JSON.stringify(current.data.params) === JSON.stringify(params)) return;
  editor.update((canvas) => ({
    ...canvas,
    nodes: canvas.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, params } } : n)),
  }));
}
