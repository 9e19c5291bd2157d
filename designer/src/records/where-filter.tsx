/** A filter on any field, built as a json-logic `where` the records API compiles to SQL. */
import { ActionIcon, Button, Group, Select, Stack, TextInput } from '@mantine/core';
import type { FieldDef } from '../console/console-api.ts';

export interface Condition {
  field: string;
  op: string;
  value: string;
}

const operators = [
  { value: '==', label: 'is' },
  { value: '!=', label: 'is not' },
  { value: 'contains', label: 'contains' },
  { value: '<', label: 'less than' },
  { value: '>', label: 'greater than' },
  { value: 'empty', label: 'is empty' },
  { value: 'notEmpty', label: 'is not empty' },
];

const numeric = new Set(['number', 'currency', 'percentage', 'rating']);

function literal(field: FieldDef | undefined, value: string): unknown {
  if (field && numeric.has(field.type) && value.trim() !== '' && !Number.isNaN(Number(value)))
    return Number(value);
  if (field?.type === 'boolean') return value === 'true' || value === 'yes';
  return value;
}

/** The conditions joined with "and", or undefined when there are none. */
export function toWhere(conditions: Condition[], fields: FieldDef[]): unknown {
  const rules = conditions
    .filter((c) => c.field && c.op)
    .map((c) => {
      const target = { var: c.field };
      if (c.op === 'empty' || c.op === 'notEmpty') return { [c.op]: [target] };
      return {
        [c.op]: [
          target,
          literal(
            fields.find((f) => f.name === c.field),
            c.value,
          ),
        ],
      };
    });
  if (rules.length === 0) return undefined;
  return rules.length === 1 ? rules[0] : { and: rules };
}

export function WhereFilter({
  fields,
  conditions,
  onChange,
}: {
  fields: FieldDef[];
  conditions: Condition[];
  onChange: (conditions: Condition[]) => void;
}) {
  const set = (index: number, patch: Partial<Condition>) =>
    onChange(conditions.map((c, i) => (i === index ? { ...c, ...patch } : c)));
  return (
    <Stack gap={6} data-testid="filters">
      {conditions.map((condition, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity but their place
        <Group key={index} gap={6} wrap="nowrap">
          <Select
            aria-label="Filter field"
            placeholder="Field"
            searchable
            w={200}
            data={fields.map((f) => ({ value: f.name, label: f.label }))}
            value={condition.field || null}
            onChange={(value) => set(index, { field: value ?? '' })}
          />
          <Select
            aria-label="Filter operator"
            w={150}
            data={operators}
            value={condition.op}
            onChange={(value) => set(index, { op: value ?? '==' })}
          />
          {condition.op !== 'empty' && condition.op !== 'notEmpty' && (
            <TextInput
              aria-label="Filter value"
              placeholder="Value"
              w={200}
              value={condition.value}
              onChange={(e) => set(index, { value: e.target.value })}
            />
          )}
          <ActionIcon
            variant="subtle"
            color="gray"
            aria-label="Remove filter"
            onClick={() => onChange(conditions.filter((_, i) => i !== index))}
          >
            ×
          </ActionIcon>
        </Group>
      ))}
      <Group>
        <Button
          size="xs"
          variant="light"
          onClick={() => onChange([...conditions, { field: '', op: '==', value: '' }])}
        >
          Add filter
        </Button>
      </Group>
    </Stack>
  );
}
