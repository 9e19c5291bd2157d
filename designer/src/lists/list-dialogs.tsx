/** The dialogs the lists screens share: new list, rename, and delete (which asks first). */
import { Badge, Button, Group, Modal, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { done, fieldErrors, type ModuleDef } from '../console/console-api.ts';
import { WhereFilter } from '../records/where-filter.tsx';
import { type Condition, toWhere } from '../records/where-rules.ts';
import { changeList, createList, deleteList, type RecordList } from './lists-api.ts';

export const KindBadge = ({ list }: { list: RecordList }) => (
  <Badge size="sm" variant="light" color={list.kind === 'dynamic' ? 'grape' : 'blue'}>
    {list.kind}
  </Badge>
);

/** A new static list, or a dynamic one with a filter built like the records list's. */
export function NewListModal({
  modules,
  module: initial,
  onClose,
  onCreated,
}: {
  modules: ModuleDef[];
  module: string | null;
  onClose: () => void;
  onCreated: (list: RecordList) => void;
}) {
  const [module, setModule] = useState<string | null>(initial);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'static' | 'dynamic'>('static');
  const [conditions, setConditions] = useState<Condition[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const fields = modules.find((m) => m.name === module)?.fields ?? [];
  const criteria = toWhere(conditions, fields);
  const create = () => {
    if (!module) return;
    createList({
      module,
      name: name.trim(),
      kind,
      ...(kind === 'dynamic' && { criteria: criteria ?? true }),
    }).then(
      (list) => {
        done(`List “${list.name}” created`);
        onCreated(list);
      },
      (error) => setErrors({ form: (error as Error).message, ...fieldErrors(error) }),
    );
  };
  return (
    <Modal opened onClose={onClose} title="New list" size="lg">
      <Stack>
        <Select
          label="Module"
          data={modules.map((m) => ({ value: m.name, label: m.label }))}
          value={module}
          onChange={(value) => {
            setModule(value);
            setConditions([]);
          }}
          error={errors.module}
        />
        <TextInput
          label="Name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.name}
          data-autofocus
        />
        <SegmentedControl
          aria-label="Kind"
          value={kind}
          onChange={(value) => setKind(value as 'static' | 'dynamic')}
          data={[
            { value: 'static', label: 'Static: records I add' },
            { value: 'dynamic', label: 'Dynamic: records matching a filter' },
          ]}
        />
        {kind === 'static' ? (
          <Text size="sm" c="dimmed">
            Add records from a record list: tick them, then “Add to list…”.
          </Text>
        ) : (
          module && (
            <>
              <WhereFilter
                module={module ?? undefined}
                fields={fields}
                conditions={conditions}
                onChange={setConditions}
              />
              {!criteria && (
                <Text size="sm" c="dimmed">
                  Without a filter the list holds every record of the module.
                </Text>
              )}
            </>
          )
        )}
        {(errors.criteria || errors.form) && (
          <Text size="sm" c="red">
            {errors.criteria ?? errors.form}
          </Text>
        )}
        <Group justify="flex-end">
          <Button disabled={!module || !name.trim()} onClick={create}>
            Create list
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function RenameListModal({
  list,
  onClose,
  onDone,
}: {
  list: RecordList;
  onClose: () => void;
  onDone: (list: RecordList) => void;
}) {
  const [name, setName] = useState(list.name);
  const [error, setError] = useState<string>();
  const save = () =>
    changeList(list.id, { name: name.trim() }).then(
      (changed) => {
        done('List renamed');
        onDone(changed);
      },
      (e) => setError(fieldErrors(e).name ?? (e as Error).message),
    );
  return (
    <Modal opened onClose={onClose} title={`Rename “${list.name}”`}>
      <Stack>
        <TextInput
          label="Name"
          value={name}
          error={error}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && name.trim() && save()}
          data-autofocus
        />
        <Group justify="flex-end">
          <Button disabled={!name.trim() || name.trim() === list.name} onClick={save}>
            Rename
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function DeleteListModal({
  list,
  onClose,
  onDone,
}: {
  list: RecordList;
  onClose: () => void;
  onDone: () => void;
}) {
  const [error, setError] = useState<string>();
  const remove = () =>
    deleteList(list.id).then(
      () => {
        done(`List “${list.name}” deleted`);
        onDone();
      },
      (e) => setError((e as Error).message),
    );
  return (
    <Modal opened onClose={onClose} title={`Delete “${list.name}”?`}>
      <Stack>
        <Text size="sm">
          The list goes; its records stay. Flows that check “Record is on list” for it will find no record on
          it.
        </Text>
        {error && (
          <Text size="sm" c="red">
            {error}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" onClick={remove}>
            Delete list
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
