/** A small catalogue in the shape `GET /api/nodes` answers, for the model's tests. */
import type { Flow } from '../../../schemas/flow.ts';
import { type CatalogEntry, catalogOf } from './catalog.ts';

const object = (properties: Record<string, unknown> = {}) => ({ type: 'object', properties });

const entry = (
  type: string,
  kind: CatalogEntry['kind'],
  category: string,
  extra: Partial<CatalogEntry> = {},
) =>
  ({
    type,
    kind,
    title: type,
    category,
    description: null,
    params: object(),
    output: object(),
    ...extra,
  }) satisfies CatalogEntry;

export const entries: CatalogEntry[] = [
  entry('trigger.recordCreated', 'trigger', 'Records', { title: 'Record created' }),
  entry('control.if', 'control', 'Control', { role: 'branch', title: 'If / else' }),
  entry('control.switch', 'control', 'Control', { role: 'branch', params: object({ cases: {} }) }),
  entry('control.parallel', 'control', 'Control', { role: 'split' }),
  entry('control.join', 'control', 'Control', { role: 'join' }),
  entry('control.forEach', 'control', 'Control', { role: 'loop' }),
  entry('control.end', 'control', 'Control', { role: 'end' }),
  entry('record.assign', 'action', 'Records', {
    role: 'task',
    title: 'Assign record',
    params: object({ to: { type: 'string', default: 'user' } }),
  }),
  entry('feed.post', 'action', 'Collaboration', { role: 'task', title: 'Post to activity feed' }),
];

export const catalog = catalogOf(entries);

export const sampleFlow: Flow = {
  name: 'Sample',
  description: 'kept as is',
  trigger: { type: 'trigger.recordCreated', params: { module: 'contacts' }, position: { x: 0, y: 0 } },
  nodes: [
    { id: 'check', type: 'control.if', params: { condition: { '==': [1, 1] } }, position: { x: 0, y: 100 } },
    { id: 'assign', type: 'record.assign', params: { to: 'routing' }, position: { x: -100, y: 200 } },
    { id: 'post', type: 'feed.post', params: { text: 'hi' }, position: { x: 100, y: 200 } },
    { id: 'loop', type: 'control.forEach', params: { items: '{{record.tags}}' }, position: { x: 0, y: 300 } },
    { id: 'inner', type: 'feed.post', params: { text: 'each' }, position: { x: 0, y: 400 } },
  ],
  edges: [
    { source: 'trigger', target: 'check' },
    { source: 'check', sourceHandle: 'true', target: 'assign' },
    { source: 'check', sourceHandle: 'false', target: 'post', id: 'custom-id' },
    { source: 'assign', target: 'loop' },
    { source: 'loop', sourceHandle: 'each', target: 'inner' },
  ],
};
