import { Alert, Badge, Button, Group, ScrollArea, Stack, Text, Title } from '@mantine/core';
import Form from '@rjsf/mantine';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import { useMemo } from 'react';
import type { CatalogEntry } from '../model/catalog.ts';
import { triggerId } from '../model/catalog.ts';
import type { CanvasNode } from '../model/flow-graph.ts';
import { formValidator } from '../model/form-validator.ts';
import type { Variable } from '../model/variables.ts';
import { ConditionField } from './condition-field.tsx';
import type { Problem } from './flows-api.ts';
import { VariablePicker } from './variable-picker.tsx';

const fields = { condition: ConditionField };

/** A property holding a json-logic rule: no `type` (any JSON), or an object-or-boolean. */
function isRule(schema: unknown): boolean {
  if (!schema || typeof schema !== 'object') return false;
  const type = (schema as { type?: unknown }).type;
  return type === undefined || (Array.isArray(type) && type.includes('boolean') && type.includes('object'));
}

/** The params schema made form-ready: modules become a choice, rules get the condition field. */
function formOf(params: RJSFSchema, modules: readonly string[]): { schema: RJSFSchema; uiSchema: UiSchema } {
  const properties = { ...((params.properties ?? {}) as Record<string, RJSFSchema>) };
  const uiSchema: UiSchema = { 'ui:submitButtonOptions': { norender: true } };
  for (const [key, property] of Object.entries(properties)) {
    if (isRule(property)) uiSchema[key] = { 'ui:field': 'condition' };
    else if (key === 'module' && property.type === 'string' && modules.length > 0)
      properties[key] = { ...property, enum: [...modules] };
    else if (key === 'text' && property.type === 'string') uiSchema[key] = { 'ui:widget': 'textarea' };
  }
  return { schema: { ...params, properties }, uiSchema };
}

/** Server problems with a JSON pointer into the params, as the form's inline errors. */
function extraErrorsOf(problems: readonly Problem[]): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const problem of problems) {
    const segments = (problem.path ?? '').split('/').filter(Boolean);
    let at = root;
    for (const segment of segments) {
      at[segment] ??= {};
      at = at[segment] as Record<string, unknown>;
    }
    at.__errors = [...((at.__errors as string[] | undefined) ?? []), problem.message];
  }
  return root as ErrorSchema;
}

interface Props {
  node: CanvasNode;
  entry: CatalogEntry | undefined;
  problems: readonly Problem[];
  modules: readonly string[];
  variables: readonly Variable[];
  onParams: (params: Record<string, unknown>) => void;
  onDelete: () => void;
}

export function NodePanel({ node, entry, problems, modules, variables, onParams, onDelete }: Props) {
  const form = useMemo(() => (entry ? formOf(entry.params as RJSFSchema, modules) : null), [entry, modules]);
  const extraErrors = useMemo(() => extraErrorsOf(problems), [problems]);
  const general = problems.filter((p) => !p.path);
  return (
    <ScrollArea h="100%">
      <Stack p="md" gap="sm" data-testid="node-panel">
        <Group justify="space-between" wrap="nowrap">
          <div>
            <Title order={5}>{entry?.title ?? node.data.nodeType}</Title>
            <Text size="xs" c="dimmed">
              {node.id === triggerId ? 'Trigger' : node.id} · {node.data.nodeType}
            </Text>
          </div>
          <Group gap={4} wrap="nowrap">
            {node.id !== triggerId && <VariablePicker variables={variables} />}
            {node.id !== triggerId && (
              <Button size="xs" variant="subtle" color="red" onClick={onDelete}>
                Delete
              </Button>
            )}
          </Group>
        </Group>
        {entry?.description && (
          <Text size="sm" c="dimmed">
            {entry.description}
          </Text>
        )}
        {general.map((problem) => (
          <Alert key={problem.code + problem.message} color="red" p="xs">
            <Text size="xs">{problem.message}</Text>
          </Alert>
        ))}
        {!entry && <Badge color="red">Unknown node type</Badge>}
        {form && (
          <Form
            key={node.id}
            schema={form.schema}
            uiSchema={form.uiSchema}
            fields={fields}
            formData={node.data.params}
            validator={formValidator}
            extraErrors={extraErrors}
            liveValidate="onChange"
            showErrorList={false}
            noHtml5Validate
            onChange={(event) => onParams((event.formData ?? {}) as Record<string, unknown>)}
          />
        )}
      </Stack>
    </ScrollArea>
  );
}
