import type { RunInput } from '../core/compile.ts';
import { defineTrigger, type TriggerDefinition } from '../core/node-types.ts';

/** An outbox event as the engine sees it (server/platform/events.ts writes them). */
export interface EngineEvent {
  id: number;
  type: string;
  module: string | null;
  recordId: string | null;
  payload: Record<string, unknown>;
  actorId: string | null;
  depth: number;
}

/**
 * A trigger the dispatcher can match: which outbox events it listens to, and whether one
 * of them starts the flow (and with what input). Triggers with no events (manual) are
 * started through the API.
 */
/** `P` is the params' data type, derived from the params schema as actions do (`FromSchema`). */
export interface TriggerNode<P = unknown> extends TriggerDefinition {
  events: readonly string[];
  /** The module a flow with these params listens to, for the dispatcher's index. */
  moduleOf(params: P): string | null;
  match(event: EngineEvent, params: P): Omit<RunInput, 'now'> | null;
}

export function defineTriggerNode<P>(definition: Omit<TriggerNode<P>, 'kind'>): TriggerNode<P> {
  const { events, moduleOf, match, ...rest } = definition;
  return { ...defineTrigger(rest), events, moduleOf, match };
}

export const moduleParam = {
  type: 'string',
  pattern: '^[a-z][a-z0-9_]{0,62}$',
  title: 'Module',
  description: 'The module whose records start the flow',
} as const;

/**
 * X2CRM's trigger conditions, gating the whole flow: the dispatcher tests the rule before a
 * run exists, so an event that fails it starts nothing and writes nothing.
 */
export const conditionsParam = {
  type: ['object', 'boolean'],
  title: 'Only when',
  description:
    'A condition over record, previous, trigger, user and now (json-logic, any/all/not groups); the flow starts only when it holds',
} as const;

/** The params of a trigger that needs only its module (and conditions). */
export const moduleTriggerParams = {
  type: 'object',
  properties: { module: moduleParam, conditions: conditionsParam },
  required: ['module'],
  additionalProperties: false,
} as const;

/** What a record trigger offers `{{trigger.…}}`: the module and the record's id. */
export const recordTriggerOutput = {
  type: 'object',
  properties: { module: { type: 'string' }, recordId: { type: 'string' }, eventId: { type: 'integer' } },
  additionalProperties: false,
} as const;

export function recordInput(event: EngineEvent, previous?: unknown): Omit<RunInput, 'now'> {
  return {
    // The record carries its module, so that steps know which module they act on.
    record: event.payload.record ? { ...(event.payload.record as object), module: event.module } : null,
    previous: previous ?? null,
    trigger: { module: event.module, recordId: event.recordId, eventId: event.id },
    user: event.actorId ? { id: event.actorId } : null,
  };
}
