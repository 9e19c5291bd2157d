/**
 * A filter on any field, built as a json-logic `where` the records API compiles to SQL (and
 * routing rules test); "Process stage" filters on where the record stands in a process.
 */
import { ActionIcon, Button, Group, Select, Stack, TextInput } from '@mantine/core';
import type { FieldDef } from '../console/console-api.ts';
import { ProcessStagePicker } from '../processes/process-stage-picker.tsx';
import type { Condition } from './where-rules.ts';

/** The "field" a process-stage condition is picked as (no module field has this name). */
const processChoice = '@processStage';

const operators = [
  { value: '==', label: 'is' },
  { value: '!=', label: 'is not' },
  { value: 'contains', label: 'contains' },
  { value: '<', label: 'less than' },
  { value: '>', label: 'greater than' },
  { value: 'empty', label: 'is empty' },
  { value: 'notEmpty', label: 'is not empty' },
];

export function WhereFilter({
  fields,
  conditions,
  onChange,
  module,
}: {
  fields: FieldDef[];
  conditions: Condition[];
  onChange: (conditions: Condition[]) => void;
  /** The records' module: the process picker offers the processes that apply to it. */
  module?: string;
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
            data={[
              { group: 'Fields', items: fields.map((f) => ({ value: f.name, label: f.label })) },
              { group: 'Processes', items: [{ value: processChoice, label: 'Process stage' }] },
            ]}
            value={condition.op === 'processStatus' ? processChoice : condition.field || null}
            onChange={(value) =>
              value === processChoice
                ? set(index, {
                    field: '',
                    op: 'processStatus',
                    value: 'completed',
                    processId: '',
                    stageId: '',
                  })
                : set(index, {
                    field: value ?? '',
                    ...(condition.op === 'processStatus' ? { op: '==', value: '' } : {}),
                  })
            }
          />
          {condition.op === 'processStatus' ? (
            <ProcessStagePicker
              inline
              module={module}
              value={{
                processId: condition.processId ?? '',
                stageId: condition.stageId ?? '',
                state: condition.value,
              }}
              onChange={({ processId, stageId, state }) => set(index, { processId, stageId, value: state })}
            />
          ) : (
            <>
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
            </>
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
