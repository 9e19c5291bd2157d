import type { FromSchema } from 'json-schema-to-ts';

/**
 * Node ids become xstate state ids and template paths (`steps.<id>.output`), so they are
 * restricted to characters that need no escaping in either. `trigger` is reserved: edges
 * leave the trigger with `source: 'trigger'`.
 */
export const nodeIdPattern = '^(?!trigger$)[A-Za-z][A-Za-z0-9_-]{0,63}$';

const position = {
  type: 'object',
  properties: { x: { type: 'number' }, y: { type: 'number' } },
  required: ['x', 'y'],
  additionalProperties: false,
} as const;

export const flowSchema = {
  $id: 'https://weft.dev/schemas/flow.json',
  title: 'Flow definition',
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 5000 },
    version: { type: 'integer', minimum: 1 },
    trigger: {
      type: 'object',
      properties: {
        type: { type: 'string', minLength: 1 },
        params: { type: 'object' },
        position,
      },
      required: ['type', 'params'],
      additionalProperties: false,
    },
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', pattern: nodeIdPattern },
          type: { type: 'string', minLength: 1 },
          params: { type: 'object' },
          position,
        },
        required: ['id', 'type', 'params', 'position'],
        additionalProperties: false,
      },
    },
    edges: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', minLength: 1 },
          source: { type: 'string', minLength: 1 },
          target: { type: 'string', minLength: 1 },
          sourceHandle: { type: 'string', minLength: 1 },
        },
        required: ['source', 'target'],
        additionalProperties: false,
      },
    },
    settings: {
      type: 'object',
      properties: {
        timeZone: { type: 'string', minLength: 1 },
        maxConcurrentRuns: { type: 'integer', minimum: 1 },
        onFailureFlowId: { type: 'string', minLength: 1 },
      },
      additionalProperties: false,
    },
  },
  required: ['name', 'trigger', 'nodes', 'edges'],
  additionalProperties: false,
} as const;

export type Flow = FromSchema<typeof flowSchema>;
export type FlowNode = Flow['nodes'][number];
export type FlowEdge = Flow['edges'][number];
export type FlowTrigger = Flow['trigger'];
