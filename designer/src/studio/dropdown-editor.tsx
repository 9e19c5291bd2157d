/** Managed dropdowns: options in order (reorder), multi-select, and dependence on a parent dropdown. */
import {
  ActionIcon,
  Button,
  Checkbox,
  Flex,
  Group,
  MultiSelect,
  NavLink,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useAll } from '../admin/admin-data.ts';
import { api } from '../api.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';
import { navigate } from '../router.ts';

interface Option {
  value: string;
  label: string;
}

interface Dropdown {
  id: string;
  name: string;
  options: Option[];
  multi: boolean;
  parentId: string | null;
  dependencies: Record<string, string[]>;
}

export function DropdownEditor() {
  const [dropdowns, reload] = useAll<Dropdown>('/dropdowns');
  const [selected, setSelected] = useState<string | 'new' | null>(null);
  const dropdown = dropdowns?.find((d) => d.id === selected) ?? null;
  return (
    <Stack p="md" gap="sm" style={{ overflow: 'auto' }}>
      <Group>
        <Button variant="subtle" size="compact-sm" onClick={() => navigate('/studio')}>
          Studio
        </Button>
        <Title order={3}>Dropdowns</Title>
      </Group>
      <Flex direction={{ base: 'column', xs: 'row' }} align="flex-start" gap="md">
        <Stack w={{ base: '100%', xs: 220 }} gap={2} style={{ flexShrink: 0 }}>
          {dropdowns?.map((d) => (
            <NavLink
              component="button"
              key={d.id}
              label={d.name}
              active={d.id === selected}
              onClick={() => setSelected(d.id)}
            />
          ))}
          {dropdowns?.length === 0 && (
            <Text size="sm" c="dimmed">
              No dropdowns yet. A managed dropdown can be shared by fields and depend on another.
            </Text>
          )}
          <Button variant="light" mt="xs" onClick={() => setSelected('new')}>
            New dropdown
          </Button>
        </Stack>
        {selected !== null && (
          <DropdownForm
            key={selected}
            dropdown={dropdown}
            all={dropdowns ?? []}
            onSaved={(id) => {
              reload();
              setSelected(id);
            }}
          />
        )}
      </Flex>
    </Stack>
  );
}

function DropdownForm({
  dropdown,
  all,
  onSaved,
}: {
  dropdown: Dropdown | null;
  all: Dropdown[];
  onSaved: (id: string | null) => void;
}) {
  const [name, setName] = useState(dropdown?.name ?? '');
  const [options, setOptions] = useState<Option[]>(dropdown?.options ?? []);
  const [multi, setMulti] = useState(dropdown?.multi ?? false);
  const [parentId, setParentId] = useState<string | null>(dropdown?.parentId ?? null);
  const [dependencies, setDependencies] = useState<Record<string, string[]>>(dropdown?.dependencies ?? {});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const parent = all.find((d) => d.id === parentId);

  const move = (index: number, by: number) => {
    const next = [...options];
    const [item] = next.splice(index, 1);
    if (item) next.splice(index + by, 0, item);
    setOptions(next);
  };
  const save = async () => {
    const body = { name, options, multi, parentId, dependencies: parentId ? dependencies : {} };
    try {
      const saved = await api<Dropdown>(
        dropdown ? 'PATCH' : 'POST',
        dropdown ? `/dropdowns/${dropdown.id}` : '/dropdowns',
        body,
      );
      done('Dropdown saved');
      onSaved(saved.id);
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      if (Object.keys(byField).length === 0) fail(error);
    }
  };
  const remove = () =>
    dropdown &&
    window.confirm(`Delete ${dropdown.name}?`) &&
    api('DELETE', `/dropdowns/${dropdown.id}`).then(() => onSaved(null), fail);

  return (
    <Paper withBorder p="md" w="100%" style={{ flex: 1, minWidth: 0 }}>
      <Stack gap="xs">
        <TextInput label="Name" value={name} error={errors.name} onChange={(e) => setName(e.target.value)} />
        <Checkbox
          label="Fields may hold several values"
          checked={multi}
          onChange={(e) => setMulti(e.currentTarget.checked)}
        />
        <Text fw={600} size="sm">
          Options, in order
        </Text>
        {options.map((option, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: options are edited in place by position
          <Group key={index} gap={4} wrap="nowrap">
            <TextInput
              aria-label="Value"
              placeholder="Value"
              value={option.value}
              error={errors[`options/${index}/value`]}
              onChange={(e) =>
                setOptions(options.map((o, i) => (i === index ? { ...o, value: e.target.value } : o)))
              }
            />
            <TextInput
              aria-label="Label"
              placeholder="Label"
              value={option.label}
              onChange={(e) =>
                setOptions(options.map((o, i) => (i === index ? { ...o, label: e.target.value } : o)))
              }
            />
            <ActionIcon
              variant="subtle"
              aria-label="Move up"
              disabled={index === 0}
              onClick={() => move(index, -1)}
            >
              ↑
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              aria-label="Move down"
              disabled={index === options.length - 1}
              onClick={() => move(index, 1)}
            >
              ↓
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              color="red"
              aria-label="Remove option"
              onClick={() => setOptions(options.filter((_, i) => i !== index))}
            >
              ×
            </ActionIcon>
          </Group>
        ))}
        {errors.options && <Text c="red">{errors.options}</Text>}
        <Group>
          <Button
            size="xs"
            variant="light"
            onClick={() => setOptions([...options, { value: '', label: '' }])}
          >
            Add option
          </Button>
        </Group>
        <Select
          label="Depends on"
          description="The parent's value decides which of these options are offered"
          data={all.filter((d) => d.id !== dropdown?.id).map((d) => ({ value: d.id, label: d.name }))}
          value={parentId}
          clearable
          error={errors.parentId}
          onChange={setParentId}
        />
        {parent?.options.map((parentOption) => (
          <MultiSelect
            key={parentOption.value}
            label={`When ${parent.name} is “${parentOption.label}”`}
            data={options.filter((o) => o.value).map((o) => ({ value: o.value, label: o.label || o.value }))}
            value={dependencies[parentOption.value] ?? []}
            onChange={(values) => setDependencies({ ...dependencies, [parentOption.value]: values })}
          />
        ))}
        <Group>
          <Button onClick={save}>{dropdown ? 'Save dropdown' : 'Create dropdown'}</Button>
          {dropdown && (
            <Button variant="subtle" color="red" onClick={remove}>
              Delete
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
