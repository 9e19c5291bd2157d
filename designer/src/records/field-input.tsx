/** One input per field type, for record forms and the list filter's value. */
import {
  Checkbox,
  MultiSelect,
  NumberInput,
  Rating,
  Select,
  TagsInput,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';
import { formatDate, formatDateTime } from '../app/dates.ts';
import type { FieldDef } from '../console/console-api.ts';

interface Option {
  value: string;
  label: string;
}

let assignees: Promise<Option[]> | null = null;
/** Users and groups, the values an assignment field may hold (one id column for both). */
export function assigneeOptions(): Promise<Option[]> {
  assignees ??= Promise.all([
    api<Page<{ id: string; username: string; firstName: string; lastName: string }>>(
      'GET',
      '/users?limit=200',
    ),
    api<Page<{ id: string; name: string }>>('GET', '/groups?limit=200'),
  ]).then(([users, groups]) => [
    ...users.items.map((u) => ({ value: u.id, label: `${u.firstName} ${u.lastName} (@${u.username})` })),
    ...groups.items.map((g) => ({ value: g.id, label: `Group: ${g.name}` })),
  ]);
  return assignees;
}

export function useAssignees() {
  const [options, setOptions] = useState<Option[]>([]);
  useEffect(() => {
    assigneeOptions().then(setOptions, () => setOptions([]));
  }, []);
  return options;
}

function useChoices(field: FieldDef): string[] {
  const [choices, setChoices] = useState<string[]>(field.options.choices ?? []);
  useEffect(() => {
    if (field.type !== 'dropdown' || field.options.dropdownId === undefined) return;
    api<{ options: { value: string; label?: string }[] }>(
      'GET',
      `/dropdowns/${field.options.dropdownId}`,
    ).then(
      (dropdown) => setChoices(dropdown.options.map((option) => option.value)),
      () => undefined,
    );
  }, [field]);
  return choices;
}

const toLocal = (value: unknown) => (typeof value === 'string' ? value.slice(0, 16) : '');

export function FieldInput({
  field,
  value,
  onChange,
  error,
  label = field.label,
}: {
  field: FieldDef;
  value: unknown;
  onChange: (value: unknown) => void;
  error?: string;
  label?: string;
}) {
  const choices = useChoices(field);
  const people = useAssignees();
  const common = {
    label,
    error,
    required: field.required,
    disabled: field.readOnly,
    'data-field': field.name,
  };
  const text = typeof value === 'string' ? value : value == null ? '' : String(value);
  const orNull = (next: string) => onChange(next === '' ? null : next);
  switch (field.type) {
    case 'longText':
      return (
        <Textarea {...common} autosize minRows={2} value={text} onChange={(e) => orNull(e.target.value)} />
      );
    case 'number':
    case 'currency':
    case 'percentage':
      return (
        <NumberInput
          {...common}
          value={typeof value === 'number' ? value : ''}
          onChange={(next) => onChange(typeof next === 'number' ? next : null)}
        />
      );
    case 'rating':
      return (
        <div>
          <Rating
            count={field.options.max ?? 5}
            value={typeof value === 'number' ? value : 0}
            onChange={onChange}
            aria-label={label}
          />
          {error && <div style={{ color: 'var(--mantine-color-red-6)', fontSize: 12 }}>{error}</div>}
        </div>
      );
    case 'boolean':
      return (
        <Checkbox
          {...common}
          mt="lg"
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
        />
      );
    case 'date':
      return (
        <TextInput
          {...common}
          type="date"
          value={text.slice(0, 10)}
          onChange={(e) => orNull(e.target.value)}
        />
      );
    case 'dateTime':
      return (
        <TextInput
          {...common}
          type="datetime-local"
          value={toLocal(value)}
          onChange={(e) => onChange(e.target.value ? new Date(e.target.value).toISOString() : null)}
        />
      );
    case 'dropdown':
      return field.options.multiple ? (
        <MultiSelect
          {...common}
          data={choices}
          value={Array.isArray(value) ? (value as string[]) : []}
          onChange={onChange}
          searchable
        />
      ) : (
        <Select {...common} data={choices} value={text || null} onChange={onChange} clearable searchable />
      );
    case 'assignment':
      return (
        <Select {...common} data={people} value={text || null} onChange={onChange} clearable searchable />
      );
    case 'visibility':
      return <Select {...common} data={['public', 'private']} value={text || null} onChange={onChange} />;
    case 'tags':
      return (
        <TagsInput {...common} value={Array.isArray(value) ? (value as string[]) : []} onChange={onChange} />
      );
    default:
      return (
        <TextInput
          {...common}
          type={field.type === 'email' ? 'email' : field.type === 'url' ? 'url' : 'text'}
          value={text}
          onChange={(e) => orNull(e.target.value)}
        />
      );
  }
}

/** A stored value as text, for lists and the record page. */
export function displayValue(
  field: FieldDef | undefined,
  value: unknown,
  people: Option[] = [],
  record?: Record<string, unknown>,
): string {
  if (value === null || value === undefined || value === '') return '';
  // Records carry the names of the ids they hold (links, assignments) under `_display`.
  const named = (record?._display as Record<string, unknown> | undefined)?.[field?.name ?? ''];
  if (typeof named === 'string' && named) return named;
  if (Array.isArray(value)) return value.join(', ');
  if (field?.type === 'boolean') return value ? 'Yes' : 'No';
  if (field?.type === 'assignment') return people.find((p) => p.value === value)?.label ?? String(value);
  if (field?.type === 'dateTime' && typeof value === 'string') return formatDateTime(value);
  if (field?.type === 'date' && typeof value === 'string') return formatDate(value, value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
