/**
 * The designer's state: the canvas under undo history, the flow's metadata, automatic
 * draft saves (debounced `PUT /flows/:id/draft`) and problems (`POST /flows/validate`).
 * Components render it; every rule lives in src/model.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Flow } from '../../../schemas/flow.ts';
import { api } from '../api.ts';
import { type Canvas, type FlowMeta, metaOf, toCanvas, toFlow } from '../model/flow-graph.ts';
import { commitFrom, type History, push, redo, replace, startHistory, undo } from '../model/history.ts';
import type { FlowDetail, Problem } from './flows-api.ts';

export type SaveState = 'saved' | 'saving' | 'unsaved' | 'error';

const saveDelayMs = 700;
const validateDelayMs = 250;

export function useFlowEditor(detail: FlowDetail) {
  const [history, setHistory] = useState<History<Canvas>>(() => startHistory(toCanvas(detail.draft)));
  const [meta, setMeta] = useState<FlowMeta>(() => metaOf(detail.draft));
  const [problems, setProblems] = useState<Problem[]>([]);
  const [saveState, setSaveState] = useState<SaveState>('saved');
  const [saveError, setSaveError] = useState<string | null>(null);
  // What the canvas writes back for the loaded draft (positions rounded, default handles
  // dropped), so opening a flow does not count as a change.
  const lastSaved = useRef(JSON.stringify(toFlow(metaOf(detail.draft), toCanvas(detail.draft))));

  const flow = useMemo(() => toFlow(meta, history.present), [meta, history.present]);
  const flowJson = useMemo(() => JSON.stringify(flow), [flow]);

  useEffect(() => {
    const timer = setTimeout(() => {
      api<{ problems: Problem[] }>('POST', '/flows/validate', JSON.parse(flowJson)).then(
        (answer) => setProblems(answer.problems),
        (error: Error) => setProblems([{ code: 'request', message: error.message }]),
      );
    }, validateDelayMs);
    return () => clearTimeout(timer);
  }, [flowJson]);

  useEffect(() => {
    if (flowJson === lastSaved.current) return;
    setSaveState('unsaved');
    const timer = setTimeout(async () => {
      setSaveState('saving');
      try {
        await api('PUT', `/flows/${detail.id}/draft`, JSON.parse(flowJson));
        lastSaved.current = flowJson;
        setSaveError(null);
        setSaveState('saved');
      } catch (error) {
        setSaveError((error as Error).message);
        setSaveState('error');
      }
    }, saveDelayMs);
    return () => clearTimeout(timer);
  }, [flowJson, detail.id]);

  const change = useCallback((next: Canvas) => setHistory((h) => push(h, next)), []);
  const changeQuietly = useCallback((next: Canvas) => setHistory((h) => replace(h, next)), []);
  const commit = useCallback((base: Canvas) => setHistory((h) => commitFrom(h, base)), []);
  const update = useCallback(
    (recipe: (canvas: Canvas) => Canvas) => setHistory((h) => push(h, recipe(h.present))),
    [],
  );

  /** Replaces the whole flow (the JSON view, restoring a version) as one undo step. */
  const setFlow = useCallback((next: Flow) => {
    setMeta(metaOf(next));
    setHistory((h) => push(h, toCanvas(next)));
  }, []);

  return {
    flow,
    canvas: history.present,
    history,
    problems,
    saveState,
    saveError,
    saved: saveState === 'saved',
    change,
    changeQuietly,
    commit,
    update,
    setFlow,
    setMeta,
    undo: useCallback(() => setHistory(undo), []),
    redo: useCallback(() => setHistory(redo), []),
  };
}

export type FlowEditor = ReturnType<typeof useFlowEditor>;
