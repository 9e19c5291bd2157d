/**
 * A json-logic condition: a simple "field operator value" builder for the common case, and
 * the rule as JSON for anything richer. The builder only shows when it can represent the rule.
 * "User is online" takes the field holding a user id; "Record is on list" picks a list;
 * "Process stage is" picks a process, one of its stages and a state, by name.
 */
import { Group, SegmentedControl, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import type { FieldProps } from '@rjsf/utils';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import {
  operators,
  ruleOf,
  type SimpleCondition as Simple,
  simpleOf,
  takesNoField,
  takesNoValue,
} from '../model/simple-condition.ts';
import type { Variable } from '../model/variables.ts';
import { ProcessStagePicker } from '../processes/process-stage-picker.tsx';
import type { ParamsFormContext } from './reference-fields.tsx';

interface ListOption {
  id: string;
  name: string;
  module: string;
}

/** The lists the signed-in user can read, for the "Record is on list" picker; loaded once it shows. */
function useLists(wanted: boolean): { lists: ListOption[]; error: string | null } {
  const [lists, setLists] = useState<ListOption[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    api<{ items: ListOption[] }>('GET', '/lists?limit=500')
      .then((page) => live && setLists(page.items))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [wanted]);
  return { lists, error };
}

/**
 * The condition's field: a variable the rule reads, picked by its label and written as its path
 * (`record.leadSource`, no braces: json-logic's `var`). A path typed in JSON earlier still shows.
 */
function VariableSelect({
  label,
  value,
  variables,
  onChange,
}: {
  label: string;
  value: string;
  variables: readonly Variable[];
  onChange: (path: string) => void;
}) {
  const groups = [...new Set(variables.map((v) => v.group))];
  const data = groups.map((group) => ({
    group,
    items: variables
      .filter((v) => v.group === group)
      .map((v) => ({ value: v.path, label: v.label ? `${v.label} (${v.path})` : v.path })),
  }));
  if (value && !variables.some((v) => v.path === value))
    data.unshift({ group: 'Typed', items: [{ value, label: value }] });
  return (
    <Select
      size="xs"
      label={label}
      placeholder="Choose a field"
      searchable
      data={data}
      value={value || null}
      onChange={(path) => onChange(path ?? '')}
      nothingFoundMessage="No field matches"
      comboboxProps={{ withinPortal: false }}
    />
  );
}

export function ConditionField({
  formData,
  onChange,
  schema,
  name,
  fieldPathId,
  rawErrors,
  registry,
}: FieldProps) {
  const variables = (registry.formContext as Partial<ParamsFormContext> | undefined)?.variables ?? [];
  const simple = simpleOf(formData);
  const [mode, setMode] = useState<'simple' | 'json'>(simple ? 'simple' : 'json');
  const [text, setText] = useState(() => JSON.stringify(formData ?? null, null, 2));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const emit = (value: unknown) => onChange(value, fieldPathId.path);
  const current = simple ?? { field: '', op: '==', value: '' };
  const { lists, error: listsError } = useLists(mode === 'simple' && current.op === 'onList');
  // A list id the API did not return (deleted, or not readable) still shows, as its id.
  const listOptions = [
    ...lists.map((list) => ({ value: list.id, label: `${list.name} (${list.module})` })),
    ...(current.value && !lists.some((list) => list.id === current.value)
      ? [{ value: current.value, label: current.value }]
      : []),
  ];
  const set = (patch: Partial<Simple>) => {
    const next = { ...current, ...patch };
    setText(JSON.stringify(ruleOf(next), null, 2));
    emit(ruleOf(next));
  };
  return (
    <Stack gap={6} data-testid={`condition-${name}`}>
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          {schema.title ?? name}
        </Text>
        <SegmentedControl
          size="xs"
          value={mode}
          onChange={(value) => setMode(value as 'simple' | 'json')}
          data={[
            { value: 'simple', label: 'Simple', disabled: !simple },
            { value: 'json', label: 'JSON' },
          ]}
        />
      </Group>
      {schema.description && (
        <Text size="xs" c="dimmed">
          {schema.description}
        </Text>
      )}
      {mode === 'simple' && simple ? (
        <Stack gap={6}>
          {!takesNoField(current.op) && (
            <VariableSelect
              label={current.op === 'userOnline' ? 'The user in' : 'Field'}
              value={current.field}
              variables={variables}
              onChange={(field) => set({ field })}
            />
          )}
          <Select
            size="xs"
            label="Operator"
            data={operators.map((o) => ({ ...o }))}
            value={current.op}
            allowDeselect={false}
            onChange={(op) =>
              set({
                op: op ?? '==',
                ...(op === 'userOnline' && current.field === '' ? { field: 'record.assignedTo' } : {}),
                ...((op === 'onList') !== (current.op === 'onList') ? { value: '' } : {}),
                ...(op === 'processStatus' && current.op !== 'processStatus'
                  ? { field: '', value: 'completed', processId: '', stageId: '' }
                  : {}),
              })
            }
          />
          {current.op === 'processStatus' ? (
            <ProcessStagePicker
              value={{
                processId: current.processId ?? '',
                stageId: current.stageId ?? '',
                state: current.value,
              }}
              onChange={({ processId, stageId, state }) => set({ processId, stageId, value: state })}
            />
          ) : current.op === 'onList' ? (
            <Select
              size="xs"
              label="List"
              placeholder="Pick a list"
              searchable
              data={listOptions}
              value={current.value || null}
              error={listsError}
              onChange={(id) => set({ value: id ?? '' })}
            />
          ) : (
            !takesNoValue(current.op) && (
              <TextInput
                size="xs"
                label="Value"
                value={current.value}
                onChange={(e) => set({ value: e.currentTarget.value })}
              />
            )
          )}
        </Stack>
      ) : (
        <Textarea
          size="xs"
          autosize
          minRows={3}
          styles={{ input: { fontFamily: 'monospace' } }}
          value={text}
          error={jsonError}
          onChange={(e) => {
            const value = e.currentTarget.value;
            setText(value);
            try {
              emit(JSON.parse(value));
              setJsonError(null);
            } catch (error) {
              setJsonError((error as Error).message);
            }
          }}
        />
      )}
      {rawErrors?.map((error) => (
        <Text key={error} size="xs" c="red">
          {error}
        </Text>
      ))}
    </Stack>
  );
}
