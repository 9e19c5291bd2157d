/**
 * From a record list: "Add to list…" for the ticked records (an existing static list of the
 * module that I may change, or a new one), and "Save filter as list" (a dynamic list).
 */
import { Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';
import { AppLink } from '../app/app-link.tsx';
import { useCurrentUser } from '../app/current-user.ts';
import { fieldErrors, type ModuleDef } from '../console/console-api.ts';
import { changeMembers, createList, type RecordList } from './lists-api.ts';

const plural = (n: number) => `${n.toLocaleString()} record${n === 1 ? '' : 's'}`;
const newList = '__new__';

function announce(text: string, list: RecordList) {
  notifications.show({
    color: 'green',
    message: (
      <>
        {text} <AppLink to={`/lists/${list.id}`}>Open the list</AppLink>
      </>
    ),
  });
}

export function AddToListModal({
  module,
  ids,
  onClose,
  onDone,
}: {
  module: ModuleDef;
  ids: string[];
  onClose: () => void;
  onDone: () => void;
}) {
  const me = useCurrentUser();
  const [lists, setLists] = useState<RecordList[] | null>(null);
  const [target, setTarget] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  useEffect(() => {
    api<Page<RecordList>>('GET', `/lists?module=${module.name}&limit=500`).then(
      (page) => {
        const open = page.items.filter((l) => l.kind === 'static' && (me.isAdmin || l.ownerId === me.id));
        setLists(open);
        setTarget(open[0]?.id ?? newList);
      },
      (e: Error) => setError(e.message),
    );
  }, [module.name, me]);
  const add = async () => {
    try {
      if (target === newList) {
        const list = await createList({
          module: module.name,
          name: name.trim(),
          kind: 'static',
          recordIds: ids,
        });
        announce(`Created “${list.name}” with ${plural(ids.length)}.`, list);
      } else {
        const list = lists?.find((l) => l.id === target);
        if (!list) return;
        const { members } = await changeMembers(list.id, 'add', ids);
        announce(`Added ${plural(ids.length)} to “${list.name}” (${plural(members)} on it).`, list);
      }
      onDone();
    } catch (e) {
      setError(fieldErrors(e).name ?? (e as Error).message);
    }
  };
  return (
    <Modal opened onClose={onClose} title={`Add ${plural(ids.length)} to a list`}>
      <Stack>
        <Select
          label="List"
          data={[
            ...(lists ?? []).map((l) => ({ value: l.id, label: l.name })),
            { value: newList, label: 'A new static list…' },
          ]}
          value={target}
          onChange={setTarget}
          disabled={lists === null}
          searchable
        />
        {target === newList && (
          <TextInput label="New list's name" value={name} onChange={(e) => setName(e.target.value)} />
        )}
        {error && (
          <Text size="sm" c="red">
            {error}
          </Text>
        )}
        <Group justify="flex-end">
          <Button disabled={!target || (target === newList && !name.trim())} onClick={add}>
            Add {plural(ids.length)}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The record list's applied filters as a dynamic list; the search box is not part of it. */
export function SaveFilterModal({
  module,
  where,
  search,
  onClose,
}: {
  module: ModuleDef;
  where: unknown;
  search: string;
  onClose: () => void;
}) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const save = () =>
    createList({ module: module.name, name: name.trim(), kind: 'dynamic', criteria: where }).then(
      (list) => {
        announce(`Saved the filter as the dynamic list “${list.name}”.`, list);
        onClose();
      },
      (e) => setError(fieldErrors(e).name ?? fieldErrors(e).criteria ?? (e as Error).message),
    );
  return (
    <Modal opened onClose={onClose} title="Save filter as list">
      <Stack>
        <Text size="sm" c="dimmed">
          A dynamic list of {module.label.toLowerCase()}: whatever matches the filters when the list is read.
          {search && ` The search “${search}” is not saved with it.`}
        </Text>
        <TextInput
          label="Name"
          value={name}
          error={error}
          onChange={(e) => setName(e.target.value)}
          data-autofocus
        />
        <Group justify="flex-end">
          <Button disabled={!name.trim()} onClick={save}>
            Save list
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
