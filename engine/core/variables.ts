/**
 * Static resolution of the variables a node reads (`{{…}}` in its params, `var` in its
 * conditions): against the trigger's record fields, the trigger's output schema, and the
 * output schemas of the steps that run before the node on every path.
 */
import type { JSONSchema } from 'json-schema-to-ts';
import { dominators, edgesFrom, type FlowGraph } from './graph.ts';
import type { TriggerDefinition } from './node-types.ts';

export interface VariableScope {
  graph: FlowGraph;
  trigger: TriggerDefinition | undefined;
  /** Field names of the trigger module's records; without it `record.*` is not checked. */
  recordFields: readonly string[] | undefined;
  /** The trigger module's fields with their kinds and the modules links lead to (checked deeper than names). */
  recordShape?: RecordShape | undefined;
}

/**
 * What a record offers templates: each field's kind; a link leads to another record's shape
 * (a user's profile for an assignment), absent where it cannot be known statically (a
 * polymorphic link) or past the depth links are followed to.
 */
export interface RecordShape {
  module: string;
  fields: Readonly<Record<string, FieldShape>>;
}

export type FieldShape =
  | { kind: 'value'; type: string }
  | { kind: 'list' }
  | { kind: 'link'; to?: RecordShape; depthLimit?: boolean };

/** Links are followed this deep: `record.company.parent.owner.email` is three. */
export const maxLinkDepth = 3;

/** The run's user: the acting user's profile (server/automation/run-data.ts). */
export const userShape: RecordShape = {
  module: 'users',
  fields: Object.fromEntries([
    ...['id', 'username', 'firstName', 'lastName', 'name', 'email', 'title', 'phone'].map((name) => [
      name,
      { kind: 'value', type: 'text' } as const,
    ]),
    ['groups', { kind: 'list' } as const],
  ]),
};

/** Why a path does not resolve against a record's shape, or undefined when it does. */
export function shapeProblem(
  shape: RecordShape,
  segments: readonly string[],
  label: string,
  /** Why links cannot be followed here (trigger conditions, the previous record), if they cannot. */
  noLinks?: string,
): string | undefined {
  let current: RecordShape = shape;
  let where = label;
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i] as string;
    const field = current.fields[segment];
    if (!field) return `${where} has no field "${segment}"`;
    const rest = segments.length - i - 1;
    if (rest === 0) return undefined;
    const next = segments[i + 1] as string;
    if (field.kind === 'value')
      return `${where}.${segment} is a ${field.type} value: it has no "${next}" (use a filter, e.g. | size)`;
    if (field.kind === 'list') return undefined;
    if (noLinks) return `${where}.${segment}.${next}: ${noLinks}`;
    if (field.depthLimit)
      return `links are followed at most ${maxLinkDepth} deep ("${where}.${segment}.${next}")`;
    if (!field.to) return undefined;
    current = field.to;
    where = `${where}.${segment}`;
  }
  return undefined;
}

const freeRoots = new Set(['vars', 'now']);

/** Whether `segments` can name something inside data described by `schema`. */
function schemaAllows(schema: JSONSchema | undefined, segments: readonly string[]): boolean {
  let current: JSONSchema | undefined = schema;
  for (const segment of segments) {
    if (current === undefined || typeof current === 'boolean') return current !== false;
    const items = current.items;
    if (items !== undefined && !Array.isArray(items)) {
      if (!/^\d+$/.test(segment) && segment !== 'length') return false;
      current = items as JSONSchema;
      continue;
    }
    const properties = current.properties;
    if (properties === undefined) return true;
    if (Object.hasOwn(properties, segment)) {
      current = properties[segment];
      continue;
    }
    // Declared properties close an output unless it says otherwise: a typo should not pass.
    const extra = current.additionalProperties;
    if (extra === undefined || extra === false) return false;
    current = extra === true ? undefined : extra;
  }
  return true;
}

/** Nodes that follow an action that makes another record current (their `record` is another module). */
function afterRecordSwitch(graph: FlowGraph): Set<string> {
  const seen = new Set<string>();
  const visit = (id: string) => {
    for (const edge of edgesFrom(graph, id)) {
      if (!seen.has(edge.target)) {
        seen.add(edge.target);
        visit(edge.target);
      }
    }
  };
  for (const [id, definition] of graph.definitions) {
    if (definition.kind === 'action' && definition.switchesRecord) visit(id);
  }
  return seen;
}

/** Returns a checker: given the node and a path it reads, the reason it does not resolve. */
export function variableChecker(
  scope: VariableScope,
): (nodeId: string | undefined, path: string) => string | undefined {
  const { graph, trigger, recordFields, recordShape } = scope;
  const before = dominators(graph);
  const switched = afterRecordSwitch(graph);
  return (nodeId, path) => {
    const [root = '', ...rest] = path.split('.');
    if (freeRoots.has(root)) return undefined;
    if (root === 'user') return rest.length === 0 ? undefined : shapeProblem(userShape, rest, 'user');
    if (root === 'record' || root === 'previous') {
      if (trigger && !trigger.providesRecord)
        return `the trigger ${trigger.type} starts runs without a record`;
      if (recordShape && rest.length > 0 && !(nodeId !== undefined && switched.has(nodeId)))
        return shapeProblem(
          recordShape,
          rest,
          root,
          nodeId === undefined
            ? 'trigger conditions cannot read linked records; test it in an If step after the trigger'
            : root === 'previous'
              ? 'the previous record’s links are not followed; read record.… instead'
              : undefined,
        );
      const field = rest[0];
      if (!recordFields || field === undefined || (nodeId !== undefined && switched.has(nodeId)))
        return undefined;
      return recordFields.includes(field) ? undefined : `the record has no field "${field}"`;
    }
    if (root === 'trigger') {
      return !trigger || schemaAllows(trigger.output, rest)
        ? undefined
        : `the trigger's output has no "${rest.join('.')}"`;
    }
    if (root === 'steps') {
      const [stepId = '', part, ...inner] = rest;
      const definition = graph.definitions.get(stepId);
      if (!graph.nodes.has(stepId)) return `there is no step "${stepId}"`;
      if (nodeId === undefined || !before.get(nodeId)?.has(stepId)) {
        return `step "${stepId}" does not run before this one on every path`;
      }
      if (part === 'error') return undefined;
      if (part !== 'output') return `a step is read as steps.${stepId}.output or steps.${stepId}.error`;
      const node = graph.nodes.get(stepId);
      const output =
        definition?.kind === 'action' && definition.outputOf && node
          ? definition.outputOf(node.params)
          : definition?.output;
      return !definition || schemaAllows(output, inner)
        ? undefined
        : `step "${stepId}" (${definition.type}) has no output "${inner.join('.')}"`;
    }
    return `unknown variable root "${root}"`;
  };
}
