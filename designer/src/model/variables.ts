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
}

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
  recordFields: readonly string[],
): Variable[] {
  const variables: Variable[] = recordFields.map((field) => ({ group: 'Record', path: `record.${field}` }));
  const trigger = canvas.nodes.find((n) => n.id === triggerId);
  const triggerEntry = trigger && catalog.get(trigger.data.nodeType);
  for (const key of propertiesOf(triggerEntry?.output))
    variables.push({ group: 'Trigger', path: `trigger.${key}` });
  const before = ancestors(canvas, nodeId);
  for (const node of canvas.nodes) {
    if (node.id === triggerId || !before.has(node.id)) continue;
    for (const key of propertiesOf(catalog.get(node.data.nodeType)?.output))
      variables.push({ group: `Step ${node.id}`, path: `steps.${node.id}.output.${key}` });
  }
  return variables;
}
