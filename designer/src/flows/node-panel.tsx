import { Alert, Badge, Button, Code, Group, ScrollArea, Stack, Text, TextInput, Title } from '@mantine/core';
import Form from '@rjsf/mantine';
import type { RJSFSchema } from '@rjsf/utils';
import { lazy, Suspense, useMemo } from 'react';
import { RolesField } from '../macros/roles-field.tsx';
import type { CatalogEntry } from '../model/catalog.ts';
import { triggerId } from '../model/catalog.ts';
import type { CanvasNode } from '../model/flow-graph.ts';
import { formValidator } from '../model/form-validator.ts';
import { extraErrorsOf, formOf } from '../model/params-form.ts';
import type { Variable } from '../model/variables.ts';
import { ConditionField } from './condition-field.tsx';
import type { Problem, RunStep } from './flows-api.ts';
import {
  FieldValuesField,
  type ParamsFormContext,
  ReferenceWidget,
  TemplateWidget,
} from './reference-fields.tsx';
import { WebhookPanel } from './webhook-panel.tsx';

const fields = { condition: ConditionField, fieldValues: FieldValuesField, roles: RolesField };
const widgets = { reference: ReferenceWidget, template: TemplateWidget };
const CodeStepEditor = lazy(() => import('../editor/code-step-editor.tsx'));
/** A code step's source and output schema have their own editor: its form keeps the rest. */
const codeParams = ['source', 'outputSchema'];

interface Props {
  node: CanvasNode;
  entry: CatalogEntry | undefined;
  problems: readonly Problem[];
  modules: readonly string[];
  variables: readonly Variable[];
  /** The trigger's module: the current record's, which pickers of fields and records use. */
  triggerModule: string | undefined;
  onParams: (params: Record<string, unknown>) => void;
  /** Renames the step (shown on the canvas, in runs and in variable pickers). */
  onLabel: (label: string) => void;
  onDelete: () => void;
  /** This node's step in the run being watched, if it ran. */
  step?: RunStep | undefined;
  /** The flow's id and webhook secret, for the inbound webhook trigger's delivery details. */
  webhook: { flowId: string; secret: string | null; onRotated: (secret: string) => void };
}

export function NodePanel({
  node,
  entry,
  problems,
  modules,
  variables,
  triggerModule,
  onParams,
  onLabel,
  onDelete,
  step,
  webhook,
}: Props) {
  const formContext: ParamsFormContext = useMemo(
    () => ({ variables, triggerModule, params: node.data.params }),
    [variables, triggerModule, node.data.params],
  );
  const isCode = node.data.nodeType === 'code.run';
  const form = useMemo(() => {
    if (!entry) return null;
    const built = formOf(entry.params as RJSFSchema, modules);
    if (!isCode) return built;
    const hidden = Object.fromEntries(codeParams.map((name) => [name, { 'ui:widget': 'hidden' }]));
    return { schema: built.schema, uiSchema: { ...built.uiSchema, ...hidden } };
  }, [entry, modules, isCode]);
  const extraErrors = useMemo(() => extraErrorsOf(problems), [problems]);
  // What the node hands on, from its output schema: its help says what it outputs.
  const outputs = Object.entries(
    (entry?.output as { properties?: Record<string, { description?: string }> } | undefined)?.properties ??
      {},
  ).map(([name, schema]) => ({ name, description: schema.description }));
  const general = problems.filter((p) => !p.path);
  return (
    <ScrollArea h="100%">
      <Stack p="md" gap="sm" data-testid="node-panel">
        <Group justify="space-between" wrap="nowrap">
          <div>
            <Title order={5}>{node.data.label ?? entry?.title ?? node.data.nodeType}</Title>
            <Text size="xs" c="dimmed">
              {node.data.label ? `${entry?.title ?? node.data.nodeType} · ` : ''}
              {node.id === triggerId
                ? `Trigger · ${entry?.category ?? ''}`
                : `${entry?.category ?? 'Step'} · id ${node.id}`}
            </Text>
          </div>
          <Group gap={4} wrap="nowrap">
            {node.id !== triggerId && (
              <Button size="xs" variant="subtle" color="red" onClick={onDelete}>
                Delete
              </Button>
            )}
          </Group>
        </Group>
        {node.id !== triggerId && (
          <TextInput
            key={`name-${node.id}-${node.data.label ?? ''}`}
            size="xs"
            label="Step name"
            description="Shown on the canvas, in runs and where later steps pick its output"
            placeholder={entry?.title ?? node.data.nodeType}
            defaultValue={node.data.label ?? ''}
            maxLength={80}
            data-testid="step-name"
            onBlur={(event) => onLabel(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') onLabel(event.currentTarget.value);
            }}
          />
        )}
        {step && (
          <details open data-testid="node-step">
            <summary style={{ cursor: 'pointer', fontSize: 13 }}>
              In the watched run: <Badge size="xs">{step.status}</Badge>
            </summary>
            <Code block fz={11} mt={4}>
              {JSON.stringify(
                { input: step.input, output: step.output, error: step.error ?? undefined },
                null,
                2,
              )}
            </Code>
          </details>
        )}
        {entry?.description && (
          <Text size="sm" c="dimmed">
            {entry.description}
          </Text>
        )}
        {outputs.length > 0 && (
          <details data-testid="node-outputs">
            <summary style={{ cursor: 'pointer', fontSize: 13 }}>What later steps can use</summary>
            <Stack gap={2} mt={4}>
              {outputs.map((output) => (
                <Text size="xs" key={output.name}>
                  <Code
                    fz={11}
                  >{`{{${node.id === triggerId ? 'trigger' : `steps.${node.id}.output`}.${output.name}}}`}</Code>
                  {output.description ? ` ${output.description}` : ''}
                </Text>
              ))}
            </Stack>
          </details>
        )}
        {general.map((problem) => (
          <Alert key={problem.code + problem.message} color="red" p="xs">
            <Text size="xs">{problem.message}</Text>
          </Alert>
        ))}
        {!entry && <Badge color="red">Unknown node type</Badge>}
        {node.id === triggerId && node.data.nodeType === 'trigger.webhook' && (
          <WebhookPanel {...webhook} service={String(node.data.params.service ?? 'weft')} />
        )}
        {isCode && (
          <Suspense fallback={<Text size="xs">Loading the code editor…</Text>}>
            <CodeStepEditor
              nodeId={node.id}
              module={triggerModule}
              params={node.data.params}
              onParams={(params) => onParams(params as Record<string, unknown>)}
            />
          </Suspense>
        )}
        {form && (
          <Form
            key={node.id}
            schema={form.schema}
            uiSchema={form.uiSchema}
            fields={fields}
            widgets={widgets}
            formContext={formContext}
            formData={node.data.params}
            validator={formValidator}
            // The server's problems (plain words, on their field) are the only errors shown:
            // validating here too would say each one twice.
            extraErrors={extraErrors}
            showErrorList={false}
            noHtml5Validate
            onChange={(event) => onParams((event.formData ?? {}) as Record<string, unknown>)}
          />
        )}
      </Stack>
    </ScrollArea>
  );
}
