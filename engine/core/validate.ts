/**
 * Static validation of a flow before it may be published: every problem at once, each with
 * the node (or edge) it concerns and a stable code the API and the designer can rely on.
 */
import { type Flow, flowSchema } from '../../schemas/flow.ts';
import { conditionVariables, validateCondition } from './conditions.ts';
import { buildGraph, handleOf, triggerId } from './graph.ts';
import { schemaErrors } from './json-schema.ts';
import type { NodeCatalog, TriggerDefinition } from './node-types.ts';
import { referencedVariables, templateStrings, validateTemplate } from './templates.ts';
import { type RecordShape, variableChecker } from './variables.ts';

export type FlowProblemCode =
  | 'flow.schema'
  | 'trigger.unknownType'
  | 'trigger.params'
  | 'trigger.notAStep'
  | 'trigger.unconnected'
  | 'trigger.multipleEdges'
  | 'node.duplicateId'
  | 'node.unknownType'
  | 'node.params'
  | 'node.unreachable'
  | 'node.unconnectedHandle'
  | 'node.duplicateHandle'
  | 'node.condition'
  | 'node.template'
  | 'node.unresolvedVariable'
  | 'edge.duplicateId'
  | 'edge.missingSource'
  | 'edge.missingTarget'
  | 'edge.intoTrigger'
  | 'edge.unknownHandle'
  | 'edge.sharedHandle'
  | 'structure.crossesScope'
  | 'structure.ambiguousJoin'
  | 'structure.cycle'
  | 'import.binding'
  | 'import.incomplete';

export interface FlowProblem {
  code: FlowProblemCode;
  message: string;
  /** The node concerned; `trigger` for the trigger. */
  nodeId?: string;
  edgeId?: string;
  /** JSON pointer into the flow, or into the node's params for params problems. */
  path?: string;
}

export interface ValidateOptions {
  /** Field names of the trigger module's records, to check `{{record.…}}`. */
  recordFields?: readonly string[];
  /** The trigger module's fields with kinds and links (variables.ts), to check paths into them. */
  recordShape?: RecordShape;
}

/** A template's type and format are known only once rendered, so schema errors on one are left to run time. */
function templated(params: unknown, pointer: string): boolean {
  let value = params;
  for (const segment of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return false;
    value = (value as Record<string, unknown>)[segment];
  }
  return typeof value === 'string' && (value.includes('{{') || value.includes('{%'));
}

export function validateFlow(
  value: unknown,
  catalog: NodeCatalog,
  options: ValidateOptions = {},
): FlowProblem[] {
  const shape = schemaErrors(flowSchema, value);
  if (shape.length > 0) {
    // Past a malformed shape the other checks would only echo it.
    const nodes = (value as { nodes?: Array<{ id?: unknown }> } | null)?.nodes;
    return shape.map(({ path, message }) => {
      const index = /^\/nodes\/(\d+)/.exec(path)?.[1];
      const id = index === undefined || !Array.isArray(nodes) ? undefined : nodes[Number(index)]?.id;
      return { code: 'flow.schema', message, path, ...(typeof id === 'string' ? { nodeId: id } : {}) };
    });
  }
  const flow = value as Flow;
  const problems: FlowProblem[] = [];
  const problem = (p: FlowProblem) => problems.push(p);

  const triggerDefinition = catalog.get(flow.trigger.type);
  const trigger =
    triggerDefinition?.kind === 'trigger' ? (triggerDefinition as TriggerDefinition) : undefined;
  if (!trigger) {
    problem({
      code: 'trigger.unknownType',
      nodeId: triggerId,
      message: `"${flow.trigger.type}" is not a trigger type`,
    });
  } else {
    for (const error of schemaErrors(trigger.params, flow.trigger.params)) {
      problem({ code: 'trigger.params', nodeId: triggerId, path: error.path, message: error.message });
    }
  }

  const ids = new Set<string>();
  for (const node of flow.nodes) {
    if (ids.has(node.id))
      problem({ code: 'node.duplicateId', nodeId: node.id, message: `node id "${node.id}" is used twice` });
    ids.add(node.id);
    const definition = catalog.get(node.type);
    if (!definition)
      problem({ code: 'node.unknownType', nodeId: node.id, message: `unknown node type "${node.type}"` });
    else if (definition.kind === 'trigger') {
      problem({
        code: 'trigger.notAStep',
        nodeId: node.id,
        message: `"${node.type}" is a trigger; a flow has exactly one, in its trigger field`,
      });
    }
  }

  const edgeIds = new Set<string>();
  for (const edge of flow.edges) {
    const edgeId = edge.id ?? `${edge.source}->${edge.target}`;
    if (edge.id !== undefined) {
      if (edgeIds.has(edge.id))
        problem({ code: 'edge.duplicateId', edgeId, message: `edge id "${edge.id}" is used twice` });
      edgeIds.add(edge.id);
    }
    if (edge.source !== triggerId && !ids.has(edge.source)) {
      problem({ code: 'edge.missingSource', edgeId, message: `edge from missing node "${edge.source}"` });
    }
    if (edge.target === triggerId)
      problem({ code: 'edge.intoTrigger', edgeId, message: 'no edge may lead into the trigger' });
    else if (!ids.has(edge.target)) {
      problem({ code: 'edge.missingTarget', edgeId, message: `edge to missing node "${edge.target}"` });
    }
  }

  const graph = buildGraph(flow, catalog);
  const triggerEdges = graph.outgoing.get(triggerId) ?? [];
  if (triggerEdges.length === 0) {
    problem({
      code: 'trigger.unconnected',
      nodeId: triggerId,
      message: 'the trigger does not lead to any node',
    });
  } else if (triggerEdges.length > 1) {
    problem({
      code: 'trigger.multipleEdges',
      nodeId: triggerId,
      message: 'the trigger leads to one node; start parallel branches with control.parallel',
    });
  }
  for (const structural of graph.problems) problem({ ...structural });

  const checkVariable = variableChecker({
    graph,
    trigger,
    recordFields: options.recordFields,
    recordShape: options.recordShape,
  });
  const checkRule = (rule: unknown, nodeId: string, path: string) => {
    for (const p of validateCondition(rule))
      problem({ code: 'node.condition', nodeId, path: path + p.path, message: p.message });
    for (const variable of conditionVariables(rule)) {
      const reason = checkVariable(nodeId === triggerId ? undefined : nodeId, variable);
      if (reason)
        problem({ code: 'node.unresolvedVariable', nodeId, path, message: `"${variable}": ${reason}` });
    }
  };
  const checkTemplates = (params: unknown, nodeId: string) => {
    for (const { pointer, template } of templateStrings(params)) {
      for (const p of validateTemplate(template))
        problem({ code: 'node.template', nodeId, path: pointer, message: p.message });
      for (const variable of referencedVariables(template)) {
        const reason = checkVariable(nodeId === triggerId ? undefined : nodeId, variable);
        if (reason)
          problem({
            code: 'node.unresolvedVariable',
            nodeId,
            path: pointer,
            message: `{{${variable}}}: ${reason}`,
          });
      }
    }
  };

  const triggerConditions = (flow.trigger.params as { conditions?: unknown }).conditions;
  if (triggerConditions !== undefined) checkRule(triggerConditions, triggerId, '/conditions');
  checkTemplates(flow.trigger.params, triggerId);

  for (const node of flow.nodes) {
    const definition = graph.definitions.get(node.id);
    if (!definition || graph.nodes.get(node.id) !== node) continue;
    if (!graph.scopeOf.has(node.id)) {
      problem({
        code: 'node.unreachable',
        nodeId: node.id,
        message: 'no path from the trigger reaches this node',
      });
    }
    const paramErrors = schemaErrors(definition.params, node.params).filter(
      (e) => !templated(node.params, e.path),
    );
    for (const error of paramErrors)
      problem({ code: 'node.params', nodeId: node.id, path: error.path, message: error.message });
    if (paramErrors.length > 0) continue;

    const handles = definition.handles(node.params);
    const leaving = graph.outgoing.get(node.id) ?? [];
    for (const handle of handles) {
      const count = leaving.filter((edge) => handleOf(edge) === handle.id).length;
      if (handle.required && count === 0) {
        problem({
          code: 'node.unconnectedHandle',
          nodeId: node.id,
          message: `the "${handle.id}" handle is not connected`,
        });
      }
      if (count > 1 && !handle.multiple) {
        problem({
          code: 'edge.sharedHandle',
          nodeId: node.id,
          message: `${count} edges leave the "${handle.id}" handle; only a parallel split may fork`,
        });
      }
    }
    const handleIds = handles.map((h) => h.id);
    for (const duplicate of handleIds.filter((id, i) => handleIds.indexOf(id) !== i)) {
      problem({
        code: 'node.duplicateHandle',
        nodeId: node.id,
        message: `two branches are named "${duplicate}"`,
      });
    }
    for (const edge of leaving) {
      if (!handleIds.includes(handleOf(edge))) {
        problem({
          code: 'edge.unknownHandle',
          nodeId: node.id,
          edgeId: edge.id ?? `${edge.source}->${edge.target}`,
          message: `${node.type} has no "${handleOf(edge)}" handle`,
        });
      }
    }

    if (definition.kind === 'action' && definition.paramProblems) {
      for (const p of definition.paramProblems(node.params))
        problem({ code: 'node.params', nodeId: node.id, path: p.path, message: p.message });
    }
    const raw = definition.kind === 'action' ? (definition.rawParams ?? []) : [];
    const branching = definition.kind === 'control' ? definition.branches?.(node.params) : undefined;
    branching?.branches.forEach((branch, i) => {
      checkRule(branch.condition, node.id, `/branches/${i}`);
    });
    // Conditions are json-logic, not templates; the rest of the params may hold templates.
    const { condition: _condition, cases: _cases, ...rest } = node.params as Record<string, unknown>;
    const withTemplates = Object.fromEntries(
      Object.entries(branching ? rest : (node.params as Record<string, unknown>)).filter(
        ([key]) => !raw.includes(key),
      ),
    );
    checkTemplates(withTemplates, node.id);
  }
  return problems;
}
