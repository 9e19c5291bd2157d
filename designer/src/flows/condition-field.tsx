/**
 * A json-logic condition: a simple "field operator value" builder for the common case, and
 * the rule as JSON for anything richer. The builder only shows when it can represent the rule.
 */
import { Group, SegmentedControl, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import type { FieldProps } from '@rjsf/utils';
import { useState } from 'react';
import { operators, ruleOf, type SimpleCondition as Simple, simpleOf } from '../model/simple-condition.ts';

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
