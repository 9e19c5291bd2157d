/**
 * Which records a routing rule takes: the list filter's builder (fields, and "Process stage
 * is…") for the criteria it can draw, JSON for anything richer. No condition: every record.
 */
import { Group, JsonInput, SegmentedControl, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useModule } from '../console/console-api.ts';
import { WhereFilter } from '../records/where-filter.tsx';
import { type Condition, fromWhere, toWhere } from '../records/where-rules.ts';

export function RoutingCriteria({
  module,
  criteria,
  error,
  onChange,
}: {
  module: string;
  criteria: unknown;
  error?: string | undefined;
  onChange: (criteria: unknown) => void;
}) {
  const fields = useModule(module)?.fields ?? [];
  const drawn = fromWhere(criteria);
  const [mode, setMode] = useState<'builder' | 'json'>(drawn ? 'builder' : 'json');
  // Rows being filled in (no field yet) make no rule: they live here until they are complete.
  const [conditions, setConditions] = useState<Condition[]>(drawn ?? []);
  // A rule moved or removed above this one hands it other criteria: draw those.
  const shown = JSON.stringify(toWhere(conditions, fields) ?? true);
  const given = JSON.stringify(criteria);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a change from outside redraws.
  useEffect(() => {
    if (given !== shown) setConditions(fromWhere(criteria) ?? []);
  }, [given]);
  return (
    <Stack gap={4}>
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          Which records
        </Text>
        <SegmentedControl
          size="xs"
          value={mode}
          onChange={(value) => {
            if (value === 'builder') setConditions(fromWhere(criteria) ?? []);
            setMode(value as 'builder' | 'json');
          }}
          data={[
            { value: 'builder', label: 'Conditions', disabled: fromWhere(criteria) === null },
            { value: 'json', label: 'JSON' },
          ]}
        />
      </Group>
      {mode === 'builder' ? (
        <>
          {conditions.length === 0 && (
            <Text size="xs" c="dimmed">
              Every record (add a condition to narrow the rule)
            </Text>
          )}
          <WhereFilter
            module={module}
            fields={fields}
            conditions={conditions}
            onChange={(next) => {
              setConditions(next);
              onChange(toWhere(next, fields) ?? true);
            }}
          />
        </>
      ) : (
        <JsonInput
          aria-label="Which records (JSON)"
          description='json-logic; true for all, e.g. {"==":[{"var":"leadSource"},"Web"]}'
          autosize
          validationError="Not valid JSON"
          defaultValue={JSON.stringify(criteria)}
          onBlur={(e) => {
            try {
              onChange(JSON.parse(e.currentTarget.value));
            } catch {
              // JsonInput already says it is not JSON
            }
          }}
        />
      )}
      {error && (
        <Text size="xs" c="red">
          {error}
        </Text>
      )}
    </Stack>
  );
}
