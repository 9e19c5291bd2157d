/**
 * What publishing would change: the draft against the live version, in sentences ("Added
 * Send email (send)", "Changed the settings of Assign record (assign)"), and whether they
 * differ at all (the header's "unpublished changes", Publish enabled only then). Versions come
 * back from jsonb with keys reordered and a `version` number: both sides are compared in one
 * canonical form.
 */
import type { Flow } from '../../../schemas/flow.ts';

/** JSON with object keys sorted, `version` left out: equal flows give equal text. */
export function canonical(value: unknown, top = true): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v, false)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key, v]) => v !== undefined && !(top && key === 'version'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v, false)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export const differs = (live: Flow | null, draft: Flow) =>
  live === null || canonical(live) !== canonical(draft);

const edgeKey = (edge: Flow['edges'][number]) =>
  `${edge.source}:${edge.sourceHandle ?? 'out'}->${edge.target}`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function flowChanges(live: Flow | null, draft: Flow, titleOf: (type: string) => string): string[] {
  if (live === null)
    return [`The first version: a trigger and ${plural(draft.nodes.length, 'step', 'steps')}`];
  const changes: string[] = [];
  const name = (node: Flow['nodes'][number]) => `${node.label ?? titleOf(node.type)} (${node.id})`;
  if (live.name !== draft.name) changes.push(`Renamed to "${draft.name}"`);
  if (live.trigger.type !== draft.trigger.type)
    changes.push(`The trigger is now ${titleOf(draft.trigger.type)}`);
  else if (canonical(live.trigger.params) !== canonical(draft.trigger.params))
    changes.push(`Changed the settings of the trigger (${titleOf(draft.trigger.type)})`);
  const before = new Map(live.nodes.map((node) => [node.id, node]));
  const after = new Map(draft.nodes.map((node) => [node.id, node]));
  let moved = 0;
  for (const node of draft.nodes) {
    const old = before.get(node.id);
    if (!old || old.type !== node.type) {
      if (old) changes.push(`Removed ${name(old)}`);
      changes.push(`Added ${name(node)}`);
    } else if (canonical(old.params) !== canonical(node.params))
      changes.push(`Changed the settings of ${name(node)}`);
    else if ((old.label ?? '') !== (node.label ?? ''))
      changes.push(node.label ? `Named ${node.id} "${node.label}"` : `Removed the name of ${name(old)}`);
    else if (canonical(old.position) !== canonical(node.position)) moved++;
  }
  for (const node of live.nodes) if (!after.has(node.id)) changes.push(`Removed ${name(node)}`);
  const liveEdges = new Set(live.edges.map(edgeKey));
  const draftEdges = new Set(draft.edges.map(edgeKey));
  const added = [...draftEdges].filter((key) => !liveEdges.has(key)).length;
  const removed = [...liveEdges].filter((key) => !draftEdges.has(key)).length;
  if (added > 0) changes.push(`${plural(added, 'link', 'links')} added`);
  if (removed > 0) changes.push(`${plural(removed, 'link', 'links')} removed`);
  if (moved > 0) changes.push(`${plural(moved, 'step', 'steps')} moved on the canvas`);
  if (canonical(live.settings ?? {}) !== canonical(draft.settings ?? {}))
    changes.push('Changed the flow settings');
  if (canonical(live.notes ?? []) !== canonical(draft.notes ?? []))
    changes.push('Changed the notes on the canvas');
  if (changes.length === 0 && differs(live, draft)) changes.push('Changed the description or layout');
  return changes;
}
