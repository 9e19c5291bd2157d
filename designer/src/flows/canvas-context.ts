/** What node components read besides their own data: the catalogue, problems, the run shown. */
import { createContext, useContext } from 'react';
import type { Catalog } from '../model/catalog.ts';
import type { CanvasNote } from '../model/flow-graph.ts';
import type { Problem } from './flows-api.ts';

export interface CanvasInfo {
  catalog: Catalog;
  problemsByNode: ReadonlyMap<string, Problem[]>;
  /** Step status per node id of the run being watched, to highlight the path taken. */
  runStatus: ReadonlyMap<string, string>;
  /** The "+" under a node's handle: choose a node to add there, linked. */
  addFrom?: (nodeId: string, handle: string) => void;
  /**
   * Changes a sticky note (`null` deletes it; `'resize-start'` marks where a resize's undo
   * step begins).
   */
  editNote?: (noteId: string, patch: Partial<CanvasNote> | null | 'resize-start') => void;
}

export const CanvasContext = createContext<CanvasInfo>({
  catalog: new Map(),
  problemsByNode: new Map(),
  runStatus: new Map(),
});

export const useCanvasInfo = () => useContext(CanvasContext);
