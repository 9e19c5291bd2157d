/**
 * A json-logic condition: a simple "field operator value" builder for the common case, and
 * the rule as JSON for anything richer. The builder only shows when it can represent the rule.
 */
import { Group, SegmentedControl, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import type { FieldProps } from '@rjsf/utils';
import { useState } from 'react';

const operators = [
  { value: '==', label: 'equals' },
  { value: '!=', label: 'does not equal' },
  { value: '>', label: 'is greater than' },
  { value: '<', label: 'is less than' },
  { value: 'in', label: 'contains' },
  { value: '!!', label: 'is not empty' },
  { value: '!', label: 'is empty' },
] as const;

interface Simple {
  field: string;
  op: string;
  value: string;
}

function simpleOf(rule: unknown): Simple | null {
  if (rule === undefined || rule === null) return { field: '', op: '==', value: '' };
  if (typeof rule !== 'object' || Array.isArray(rule)) return null;
  const entries = Object.entries(rule);
  if (entries.length !== 1) return null;
  const [op, args] = entries[0] as [string, unknown];
  const list = Array.isArray(args) ? args : [args];
  const varOf = (x: unknown) =>
    x && typeof x === 'object' && 'var' in x ? String((x as { var: unknown }).var) : null;
  if (op === '!!' || op === '!') {
    const field = varOf(list[0]);
    return field === null ? null : { field, op, value: '' };
  }
  if (op === 'in') {
    const field = varOf(list[1]);
    return field !== null && typeof list[0] !== 'object' ? { field, op, value: String(list[0]) } : null;
  }
  if (!operators.some((o) => o.value === op) || list.length !== 2) return null;
  const field = varOf(list[0]);
  return field !== null && typeof list[1] !== 'object' ? { field, op, value: String(list[1] ?? '') } : null;
}

function ruleOf({ field, op, value }: Simple): unknown {
  const subject = { var: field };
  if (op === '!!' || op === '!') return { [op]: [subject] };
  if (op === 'in') return { in: [value, subject] };
  const number = value.trim() !== '' && !Number.isNaN(Number(value)) && (op === '>' || op === '<');
  return { [op]: [subject, number ? Number(value) : value] };
}

export function ConditionField({ formData, onChange, schema, name, fieldPathId, rawErrors }: FieldProps) {
  const simple = simpleOf(formData);
  const [mode, setMode] = useState<'simple' | 'json'>(simple ? 'simple' : 'json');
  const [text, setText] = useState(() => JSON.stringify(formData ?? null, null, 2));
  const [jsonError, setJsonError] = useState<string | null>(null);
  const emit = (value: unknown) => onChange(value, fieldPathId.path);
  const current = simple ?? { field: '', op: '==', value: '' };
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
          <TextInput
            size="xs"
            label="Field"
            placeholder="record.firstName"
            value={current.field}
            onChange={(e) => set({ field: e.currentTarget.value })}
          />
          <Select
            size="xs"
            label="Operator"
            data={operators.map((o) => ({ ...o }))}
            value={current.op}
            allowDeselect={false}
            onChange={(op) => set({ op: op ?? '==' })}
          />
          {current.op !== '!!' && current.op !== '!' && (
            <TextInput
              size="xs"
              label="Value"
              value={current.value}
              onChange={(e) => set({ value: e.currentTarget.value })}
            />
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
