/** A module's fields: add, customise, remove (after saying how many records lose their value). */
import {
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { fieldTypes } from '../../../schemas/modules.ts';
import { ApiError, api, type Page } from '../api.ts';
import {
  done,
  type FieldDef,
  fail,
  fieldErrors,
  type ModuleDef,
  reloadModules,
} from '../console/console-api.ts';

export function FieldsEditor({ module }: { module: ModuleDef }) {
  const [editing, setEditing] = useState<FieldDef | 'new' | null>(null);
  const [removing, setRemoving] = useState<{ field: FieldDef; message: string } | null>(null);

  const askRemove = async (field: FieldDef) => {
    try {
      // Without confirm the API removes nothing and answers 409 with how many records hold a value.
      await api('DELETE', `/modules/${module.name}/fields/${field.name}`);
      await reloadModules();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        const records = (error.details as { records?: number }[] | undefined)?.[0]?.records;
        setRemoving({
          field,
          message:
            records === undefined
              ? error.message
              : `${records} ${module.label.toLowerCase()} hold a value in ${field.label}; removing the field deletes those values for good.`,
        });
      } else fail(error);
    }
  };
  const remove = () =>
    removing &&
    api('DELETE', `/modules/${module.name}/fields/${removing.field.name}?confirm=true`).then(async () => {
      setRemoving(null);
      await reloadModules();
      done('Field removed');
    }, fail);

  return (
    <Stack gap="sm">
      <Group justify="flex-end">
        <Button onClick={() => setEditing('new')}>Add field</Button>
      </Group>
      <Table.ScrollContainer minWidth={640}>
        <Table striped data-testid="fields-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Label</Table.Th>
              <Table.Th>Name</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Flags</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {module.fields.map((field) => (
              <Table.Tr key={field.name}>
                <Table.Td>{field.label}</Table.Td>
                <Table.Td ff="monospace">{field.name}</Table.Td>
                <Table.Td>{field.type}</Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {field.required && <Badge size="xs">required</Badge>}
                    {field.unique && <Badge size="xs">unique</Badge>}
                    {field.system && (
                      <Badge size="xs" color="gray">
                        standard
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} justify="flex-end">
                    <Button size="compact-xs" variant="subtle" onClick={() => setEditing(field)}>
                      Customise
                    </Button>
                    {!field.system && (
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => askRemove(field)}>
                        Remove
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {editing && (
        <FieldDialog
          module={module}
          field={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
      <Modal
        opened={removing !== null}
        onClose={() => setRemoving(null)}
        title={`Remove ${removing?.field.label}?`}
      >
        <Stack>
          <Text data-testid="remove-field-message">{removing?.message}</Text>
          <Button color="red" onClick={remove}>
            Remove the field and its data
          </Button>
        </Stack>
      </Modal>
    </Stack>
  );
}

function FieldDialog({
  module,
  field,
  onClose,
}: {
  module: ModuleDef;
  field: FieldDef | null;
  onClose: () => void;
}) {
  const [values, setValues] = useState({
    name: field?.name ?? '',
    label: field?.label ?? '',
    type: field?.type ?? 'text',
    required: field?.required ?? false,
    unique: field?.unique ?? false,
    searchable: field?.searchable ?? false,
    readOnly: field?.readOnly ?? false,
    choices: field?.options.choices ?? [],
    dropdownId: field?.options.dropdownId === undefined ? null : String(field.options.dropdownId),
    multiple: field?.options.multiple ?? false,
    target: field?.options.module ?? null,
    sortable: field?.options.sortable === true,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [dropdowns, setDropdowns] = useState<{ value: string; label: string }[]>([]);
  useEffect(() => {
    api<Page<{ id: string; name: string }>>('GET', '/dropdowns?limit=200').then(
      (page) => setDropdowns(page.items.map((d) => ({ value: d.id, label: d.name }))),
      () => undefined,
    );
  }, []);
  const set = (patch: Partial<typeof values>) => setValues((current) => ({ ...current, ...patch }));

  const save = async () => {
    const { name, label, type, required, unique, searchable, readOnly } = values;
    const typed =
      type === 'dropdown'
        ? values.dropdownId
          ? { dropdownId: values.dropdownId, multiple: values.multiple }
          : { choices: values.choices, multiple: values.multiple }
        : type === 'link' && values.target
          ? { module: values.target }
          : undefined;
    // Options are merged into the field's on the server: "sortable" is sent once it was ever on.
    const sorting =
      values.sortable || field?.options.sortable === true ? { sortable: values.sortable } : undefined;
    const options = typed || sorting ? { ...typed, ...sorting } : undefined;
    const common = { label, required, unique, searchable, readOnly, ...(options && { options }) };
    try {
      if (field) await api('PATCH', `/modules/${module.name}/fields/${field.name}`, common);
      else await api('POST', `/modules/${module.name}/fields`, { name, type, ...common });
      await reloadModules();
      done(field ? 'Field saved' : `${label} added`);
      onClose();
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      if (Object.keys(byField).length === 0) fail(error);
    }
  };

  return (
    <Modal opened onClose={onClose} title={field ? `Customise ${field.label}` : 'Add a field'}>
      <Stack gap="xs">
        <TextInput
          label="Label"
          value={values.label}
          error={errors.label}
          onChange={(e) => {
            const label = e.target.value;
            const camel = label
              .replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))
              .replace(/^[^a-zA-Z]+/, '');
            set(field ? { label } : { label, name: camel.charAt(0).toLowerCase() + camel.slice(1, 31) });
          }}
        />
        {!field && (
          <>
            <TextInput
              label="Name"
              description="camelCase; cannot change later"
              value={values.name}
              error={errors.name}
              onChange={(e) => set({ name: e.target.value })}
            />
            <Select
              label="Type"
              data={[...fieldTypes]}
              value={values.type}
              error={errors.type}
              onChange={(type) => type && set({ type })}
              allowDeselect={false}
            />
          </>
        )}
        {values.type === 'dropdown' && (
          <>
            <Select
              label="Managed dropdown"
              description="Or leave empty and list the choices here"
              data={dropdowns}
              value={values.dropdownId}
              clearable
              onChange={(dropdownId) => set({ dropdownId })}
            />
            {!values.dropdownId && (
              <TagsInput
                label="Choices"
                value={values.choices}
                error={errors['options.choices'] ?? errors.options}
                onChange={(choices) => set({ choices })}
              />
            )}
            <Checkbox
              label="Several values"
              checked={values.multiple}
              onChange={(e) => set({ multiple: e.currentTarget.checked })}
            />
          </>
        )}
        {values.type === 'link' && (
          <TextInput
            label="Links to module"
            value={values.target ?? ''}
            error={errors['options.module'] ?? errors.options}
            onChange={(e) => set({ target: e.target.value })}
          />
        )}
        <Group>
          <Checkbox
            label="Required"
            checked={values.required}
            onChange={(e) => set({ required: e.currentTarget.checked })}
          />
          <Checkbox
            label="Unique"
            checked={values.unique}
            onChange={(e) => set({ unique: e.currentTarget.checked })}
          />
          <Checkbox
            label="Searchable"
            checked={values.searchable}
            onChange={(e) => set({ searchable: e.currentTarget.checked })}
          />
          <Checkbox
            label="Read-only"
            checked={values.readOnly}
            onChange={(e) => set({ readOnly: e.currentTarget.checked })}
          />
        </Group>
        <Checkbox
          label="Fast sorting"
          description="Lists sorted by this field stay fast with many records (an index; imports get slightly slower). Weft ticks it by itself when a list sorts 50,000 records or more by this field; untick it and it stays off."
          checked={values.sortable && !(values.type === 'dropdown' && values.multiple)}
          disabled={values.type === 'dropdown' && values.multiple}
          onChange={(e) => set({ sortable: e.currentTarget.checked })}
        />
        {(errors.required || errors.unique) && <Text c="red">{errors.required ?? errors.unique}</Text>}
        <Button onClick={save}>{field ? 'Save field' : 'Add field'}</Button>
      </Stack>
    </Modal>
  );
}
