/**
 * "Process stage is…": the `processStatus` condition picked by names — process, then one
 * of its stages, then started / completed / not started / not completed. The rule keeps the
 * ids (stages are identified by id, so a rename or a reorder keeps the condition meaning the
 * same); an id the API no longer returns (a deleted process or stage) still shows, as itself.
 * Used by every condition builder: flow if/switch and trigger conditions, list filters and
 * routing rules.
 */
import { Group, Select, Stack } from '@mantine/core';
import { type Process, useGet } from './processes-api.ts';

export const processStateOptions = [
  { value: 'started', label: 'started' },
  { value: 'completed', label: 'completed' },
  { value: 'notStarted', label: 'not started' },
  { value: 'notCompleted', label: 'not completed' },
] as const;

export interface ProcessStageValue {
  processId: string;
  stageId: string;
  state: string;
}

export function ProcessStagePicker({
  value,
  module,
  onChange,
  inline = false,
}: {
  value: ProcessStageValue;
  /** Only the processes that apply to this module (a list's, a routing rule's); any, when absent. */
  module?: string;
  onChange: (value: ProcessStageValue) => void;
  /** One row (a list filter) rather than a column (a node's panel). */
  inline?: boolean;
}) {
  const { data, error } = useGet<{ items: Process[] }>('/processes');
  const processes = (data?.items ?? []).filter(
    (process) => !module || process.modules.length === 0 || process.modules.includes(module),
  );
  const chosen = processes.find((process) => process.id === value.processId);
  const processOptions = processes.map((process) => ({ value: process.id, label: process.name }));
  if (value.processId && !chosen) processOptions.push({ value: value.processId, label: value.processId });
  const stageOptions = (chosen?.stages ?? []).map((stage) => ({ value: stage.id, label: stage.name }));
  if (value.stageId && !stageOptions.some((stage) => stage.value === value.stageId))
    stageOptions.push({ value: value.stageId, label: value.stageId });
  const Wrap = inline ? Group : Stack;
  return (
    <Wrap gap={6} wrap="nowrap" data-testid="process-stage-picker">
      <Select
        size={inline ? 'sm' : 'xs'}
        label={inline ? undefined : 'Process'}
        aria-label="Process"
        placeholder="Pick a process"
        searchable
        w={inline ? 170 : undefined}
        data={processOptions}
        value={value.processId || null}
        error={error}
        nothingFoundMessage={data ? 'No process' : 'Loading…'}
        onChange={(processId) => onChange({ ...value, processId: processId ?? '', stageId: '' })}
        comboboxProps={{ withinPortal: false }}
      />
      <Select
        size={inline ? 'sm' : 'xs'}
        label={inline ? undefined : 'Stage'}
        aria-label="Stage"
        placeholder={value.processId ? 'Pick a stage' : 'Pick a process first'}
        disabled={!value.processId}
        searchable
        w={inline ? 150 : undefined}
        data={stageOptions}
        value={value.stageId || null}
        onChange={(stageId) => onChange({ ...value, stageId: stageId ?? '' })}
        comboboxProps={{ withinPortal: false }}
      />
      <Select
        size={inline ? 'sm' : 'xs'}
        label={inline ? undefined : 'Is'}
        aria-label="Stage status"
        w={inline ? 140 : undefined}
        data={processStateOptions.map((option) => ({ ...option }))}
        value={value.state || 'completed'}
        allowDeselect={false}
        onChange={(state) => onChange({ ...value, state: state ?? 'completed' })}
        comboboxProps={{ withinPortal: false }}
      />
    </Wrap>
  );
}
