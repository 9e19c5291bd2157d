/**
 * The X2CRM references an imported flow still holds (`x2crm:<kind>:<value>`, written by the
 * importer where a Weft id belongs), found and replaced in plain TS so the panel only renders.
 * The server's counterpart is engine/core/x2crm-refs.ts.
 */
import type { Flow } from '../../../schemas/flow.ts';

export type RefKind = 'user' | 'group' | 'list' | 'record' | 'campaign' | 'process' | 'stage';
const pattern = /^x2crm:(user|group|list|record|campaign|process|stage):(.+)$/;

export interface Reference {
  ref: string;
  kind: RefKind;
  value: string;
  nodeIds: string[];
}

function walk(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) walk(item, visit);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) walk(item, visit);
}

export function referencesOf(flow: Flow): Reference[] {
  const found = new Map<string, Reference>();
  const scan = (nodeId: string, params: unknown) =>
    walk(params, (text) => {
      const match = pattern.exec(text);
      if (!match) return;
      const entry = found.get(text) ?? {
        ref: text,
        kind: match[1] as RefKind,
        value: match[2] as string,
        nodeIds: [],
      };
      if (!entry.nodeIds.includes(nodeId)) entry.nodeIds.push(nodeId);
      found.set(text, entry);
    });
  scan('trigger', flow.trigger.params);
  for (const node of flow.nodes) scan(node.id, node.params);
  return [...found.values()];
}

function replace(value: unknown, ref: string, id: string): unknown {
  if (value === ref) return id;
  if (Array.isArray(value)) return value.map((item) => replace(item, ref, id));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replace(item, ref, id)]));
  return value;
}

/** The flow with every use of `ref` replaced by the Weft id. */
export function bindReference(flow: Flow, ref: string, id: string): Flow {
  return {
    ...flow,
    trigger: { ...flow.trigger, params: replace(flow.trigger.params, ref, id) as Flow['trigger']['params'] },
    nodes: flow.nodes.map((node) => ({
      ...node,
      params: replace(node.params, ref, id) as typeof node.params,
    })),
  };
}
