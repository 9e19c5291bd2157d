/**
 * What a node's templates may reference: the current record's fields (from the trigger's
 * module), the trigger's output, and the outputs of the steps that can run before it
 * (its ancestors on the canvas), each as the `{{path}}` to paste into a param.
 */
import { type Catalog, triggerId } from './catalog.ts';
import type { Canvas } from './flow-graph.ts';

export interface Variable {
  group: string;
  path: string;
  /** What a person reads: the field's label, or the output's name. */
  label?: string;
}

/** A record field as the designer knows it: its name, and its label when the module told. */
export type FieldRef = string | { name: string; label: string };

function ancestors(canvas: Canvas, id: string): Set<string> {
  const seen = new Set<string>();
  const stack = [id];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    for (const edge of canvas.edges)
      if (edge.target === current && !seen.has(edge.source)) {
        seen.add(edge.source);
        stack.push(edge.source);
      }
  }
  seen.delete(id);
  return seen;
}

const propertiesOf = (schema: unknown): string[] =>
  Object.keys(((schema as { properties?: object } | undefined)?.properties ?? {}) as object);

export function variablesFor(
  canvas: Canvas,
  catalog: Catalog,
  nodeId: string,
  recordFields: readonly FieldRef[],
): Variable[] {
  const variables: Variable[] = recordFields.map((field) =>
    typeof field === 'string'
      ? { group: 'Record', path: `record.${field}` }
      : { group: 'Record', path: `record.${field.name}`, label: field.label },
  );
  const trigger = canvas.nodes.find((n) => n.id === triggerId);
  const triggerEntry = trigger && catalog.get(trigger.data.nodeType);
  for (const key of propertiesOf(triggerEntry?.output))
    variables.push({ group: 'Trigger', path: `trigger.${key}` });
  const before = ancestors(canvas, nodeId);
  for (const node of canvas.nodes) {
    if (node.id === triggerId || !before.has(node.id)) continue;
    // Grouped by the step's name when it has one (the path keeps the id, which is the key).
    const group = node.data.label ? `${node.data.label} (${node.id})` : `Step ${node.id}`;
    for (const key of propertiesOf(catalog.get(node.data.nodeType)?.output))
      variables.push({ group, path: `steps.${node.id}.output.${key}` });
    // A code step declares what its result holds (its output schema).
    if (node.data.nodeType === 'code.run')
      for (const key of propertiesOf((node.data.params as { outputSchema?: unknown }).outputSchema))
        variables.push({ group, path: `steps.${node.id}.output.result.${key}` });
  }
  return variables;
}

/** How a variable is written into a field: a condition's field takes the path, a text the template. */
export type VariableForm = 'path' | 'template';

export const written = (path: string, form: VariableForm) => (form === 'path' ? path : `{{${path}}}`);

/**
 * The `{{` being typed before the cursor, not yet closed: where it starts and what follows it
 * (the completion's query); `null` when the cursor is not inside one.
 */
export function completionAt(text: string, cursor: number): { start: number; query: string } | null {
  const before = text.slice(0, cursor);
  const open = before.lastIndexOf('{{');
  if (open === -1) return null;
  const query = before.slice(open + 2);
  if (query.includes('}}') || /[\s{}]/.test(query.trim())) return null;
  return { start: open, query: query.trim() };
}

/** `text` with `from`…`to` replaced by `insert`, and where the cursor goes after it. */
export function insertAt(
  text: string,
  from: number,
  to: number,
  insert: string,
): { text: string; cursor: number } {
  const start = Math.max(0, Math.min(from, text.length));
  const end = Math.max(start, Math.min(to, text.length));
  // A completion replaces the `{{query` typed so far and any `}}` the user already closed it with.
  const after = text.slice(end).replace(/^\s*}}/, '');
  return { text: text.slice(0, start) + insert + after, cursor: start + insert.length };
}

/** Variables whose path or label contains the query (case-insensitive). */
export function matching(variables: readonly Variable[], query: string): Variable[] {
  const q = query.toLowerCase();
  return variables.filter((v) => v.path.toLowerCase().includes(q) || v.label?.toLowerCase().includes(q));
}
