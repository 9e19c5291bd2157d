import type { FromSchema } from 'json-schema-to-ts';

/**
 * Node ids become xstate state ids and template paths (`steps.<id>.output`), so they are
 * restricted to characters that need no escaping in either. `trigger` is reserved: edges
 * leave the trigger with `source: 'trigger'`.
 */
export const nodeIdPattern = '^(?!trigger$)[A-Za-z][A-Za-z0-9_-]{0,63}$';

/** A sticky note's colours, by name (the designer maps each to a light and a dark shade). */
export const noteColors = ['yellow', 'blue', 'green', 'pink', 'grey'] as const;

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
          /** The name the designer shows instead of the node type's title (the id stays the key). */
          label: { type: 'string', minLength: 1, maxLength: 80 },
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
    /** Sticky notes on the canvas: for the people reading the flow; the engine ignores them. */
    notes: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', minLength: 1, maxLength: 64 },
          text: { type: 'string', maxLength: 5000 },
          color: { type: 'string', enum: noteColors },
          position,
          width: { type: 'number', minimum: 80, maximum: 2000 },
          height: { type: 'number', minimum: 40, maximum: 2000 },
        },
        required: ['id', 'text', 'position'],
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
export type FlowNote = NonNullable<Flow['notes']>[number];
