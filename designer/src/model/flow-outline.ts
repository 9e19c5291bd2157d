/**
 * The least a JSON text must be before the canvas can draw it: the flow schema's outline
 * (a trigger with a type, nodes with ids and positions, edges with ends). Finer rules are
 * Monaco's squiggles (the full schema) and the server's problems.
 */
export function outlineErrors(value: unknown): string[] {
  const errors: string[] = [];
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObject(value)) return ['The flow must be a JSON object'];
  if (typeof value.name !== 'string') errors.push('name: must be a string');
  const trigger = value.trigger;
  if (!isObject(trigger) || typeof trigger.type !== 'string' || !isObject(trigger.params))
    errors.push('trigger: must be an object with a type and params');
  if (!Array.isArray(value.nodes)) errors.push('nodes: must be an array');
  else
    value.nodes.forEach((node, i) => {
      if (!isObject(node) || typeof node.id !== 'string' || typeof node.type !== 'string')
        errors.push(`nodes/${i}: needs an id and a type`);
      else if (!isObject(node.params)) errors.push(`nodes/${i}: params must be an object`);
      else if (
        !isObject(node.position) ||
        typeof node.position.x !== 'number' ||
        typeof node.position.y !== 'number'
      )
        errors.push(`nodes/${i}: position must be {x, y}`);
    });
  if (!Array.isArray(value.edges)) errors.push('edges: must be an array');
  else
    value.edges.forEach((edge, i) => {
      if (!isObject(edge) || typeof edge.source !== 'string' || typeof edge.target !== 'string')
        errors.push(`edges/${i}: needs a source and a target`);
    });
  if (Array.isArray(value.nodes)) {
    const ids = value.nodes.map((n) => (isObject(n) ? n.id : undefined));
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate !== undefined) errors.push(`nodes: the id "${String(duplicate)}" is used twice`);
  }
  return errors;
}
