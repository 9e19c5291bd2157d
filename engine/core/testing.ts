/** Fixtures shared by the core's tests: a small catalog and a terse flow builder. */
import type { Flow } from '../../schemas/flow.ts';
import { controlNodes } from './control-nodes.ts';
import { createCatalog, defineAction, defineTrigger } from './node-types.ts';

const notImplemented = () => Promise.reject(new Error('the core never runs actions'));

export const testCatalog = createCatalog([
  ...controlNodes,
  defineTrigger({
    type: 'trigger.recordUpdated',
    title: 'Record updated',
    category: 'Records',
    providesRecord: true,
    params: {
      type: 'object',
      properties: { module: { type: 'string' }, conditions: {} },
      required: ['module'],
      additionalProperties: false,
    },
    output: { type: 'object', properties: { source: { type: 'string' } }, additionalProperties: false },
  }),
  defineTrigger({
    type: 'trigger.periodic',
    title: 'Schedule',
    category: 'Time',
    providesRecord: false,
    params: { type: 'object', properties: { cron: { type: 'string' } }, required: ['cron'] },
    output: { type: 'object', properties: { slot: { type: 'string' } } },
  }),
  defineAction({
    type: 'test.update',
    title: 'Update record',
    category: 'Records',
    params: {
      type: 'object',
      properties: { fields: { type: 'object' } },
      required: ['fields'],
      additionalProperties: false,
    },
    output: { type: 'object', properties: { id: { type: 'string' } }, additionalProperties: false },
    run: notImplemented,
  }),
  defineAction({
    type: 'test.notify',
    title: 'Notify',
    category: 'Collaboration',
    params: {
      type: 'object',
      properties: { text: { type: 'string' } },
      required: ['text'],
      additionalProperties: false,
    },
    output: { type: 'object', properties: {}, additionalProperties: false },
    run: notImplemented,
  }),
  defineAction({
    type: 'test.http',
    title: 'HTTP request',
    category: 'Integrations',
    params: { type: 'object', properties: { url: { type: 'string', format: 'uri' } }, required: ['url'] },
    output: {
      type: 'object',
      properties: { status: { type: 'integer' }, body: {} },
      additionalProperties: false,
    },
    run: notImplemented,
  }),
  defineAction({
    type: 'test.switchRelated',
    title: 'Switch to related record',
    category: 'Records',
    switchesRecord: true,
    params: { type: 'object', properties: { link: { type: 'string' } }, required: ['link'] },
    output: { type: 'object' },
    run: notImplemented,
  }),
]);

type NodeSpec = [id: string, type: string, params?: Record<string, unknown>];
type EdgeSpec = [source: string, target: string, sourceHandle?: string];

/** `makeFlow([['a', 'test.notify', {text: 'x'}]], [['trigger', 'a']])` */
export function makeFlow(
  nodes: NodeSpec[],
  edges: EdgeSpec[],
  trigger: Flow['trigger'] = defaultTrigger,
): Flow {
  return {
    name: 'test flow',
    trigger,
    nodes: nodes.map(([id, type, params], i) => ({
      id,
      type,
      params: params ?? {},
      position: { x: 0, y: i * 100 },
    })),
    edges: edges.map(([source, target, sourceHandle]) => ({
      id: `${source}-${sourceHandle ?? 'out'}-${target}`,
      source,
      target,
      ...(sourceHandle ? { sourceHandle } : {}),
    })),
  };
}

const defaultTrigger = { type: 'trigger.recordUpdated', params: { module: 'Contacts' } };

export const notify = (text = 'hi'): Record<string, unknown> => ({ text });
