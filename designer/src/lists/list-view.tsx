/**
 * One list (`/lists/<id>`): its records a page at a time, each linking to its record; a static
 * list's ticked records can be removed, a dynamic list's filter changed; rename and delete.
 */
import {
  Alert,
  Button,
  Checkbox,
  Group,
  JsonInput,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { AppLink } from '../app/app-link.tsx';
import { useCurrentUser } from '../app/current-user.ts';
import { done, fail, type ModuleDef, type RecordRow, useModule, usePaged } from '../console/console-api.ts';
import { displayValue, useAssignees } from '../records/field-input.tsx';
import { WhereFilter } from '../records/where-filter.tsx';
import { type Condition, fromWhere, toWhere } from '../records/where-rules.ts';
import { navigate } from '../router.ts';
import { DeleteListModal, KindBadge, RenameListModal } from './list-dialogs.tsx';
import { changeList, changeMembers, type RecordList } from './lists-api.ts';

export function ListView({ id }: { id: string }) {
  const me = useCurrentUser();
  const [list, setList] = useState<RecordList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'rename' | 'delete' | 'filter' | null>(null);
  useEffect(() => {
    api<RecordList>('GET', `/lists/${id}`).then(setList, (e: Error) => setError(e.message));
  }, [id]);
  const module = useModule(list?.module ?? '');
  const [version, setVersion] = useState(0);

  if (error)
    return (
      <Alert m="md" color="red" title="This list could not be opened">
        {error} <AppLink to="/lists">All lists</AppLink>
      </Alert>
    );
  if (!list || !module) return <Loader m="md" />;
  const mine = me.isAdmin || list.ownerId === me.id;

  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <AppLink to="/lists">← All lists</AppLink>
      <Group justify="space-between">
        <Group gap="xs">
          <Title order={3} data-testid="list-title">
            {list.name}
          </Title>
          <KindBadge list={list} />
          <Text size="sm" c="dimmed">
            {module.label} · {list.visibility}
          </Text>
        </Group>
        {mine && (
          <Group gap="xs">
            {list.kind === 'dynamic' && (
              <Button variant="default" onClick={() => setDialog(dialog === 'filter' ? null : 'filter')}>
                Change filter
              </Button>
            )}
            <Button variant="default" onClick={() => setDialog('rename')}>
              Rename
            </Button>
            <Button variant="light" color="red" onClick={() => setDialog('delete')}>
              Delete
            </Button>
          </Group>
        )}
      </Group>
      {dialog === 'filter' && (
        <FilterEditor
          list={list}
          module={module}
          onClose={() => setDialog(null)}
          onSaved={(changed) => {
            setList(changed);
            setDialog(null);
            setVersion((v) => v + 1);
          }}
        />
      )}
      <Members
        key={`${list.criteria === null ? '' : JSON.stringify(list.criteria)}-${version}`}
        list={list}
        module={module}
        canRemove={mine && list.kind === 'static'}
      />
      {dialog === 'rename' && (
        <RenameListModal
          list={list}
          onClose={() => setDialog(null)}
          onDone={(changed) => {
            setList(changed);
            setDialog(null);
          }}
        />
      )}
      {dialog === 'delete' && (
        <DeleteListModal list={list} onClose={() => setDialog(null)} onDone={() => navigate('/lists')} />
      )}
    </Stack>
  );
}

/** The builder when the saved filter is one it can draw, else the json-logic itself. */
function FilterEditor({
  list,
  module,
  onClose,
  onSaved,
}: {
  list: RecordList;
  module: ModuleDef;
  onClose: () => void;
  onSaved: (list: RecordList) => void;
}) {
  const drawn = fromWhere(list.criteria);
  const [conditions, setConditions] = useState<Condition[]>(drawn ?? []);
  const [json, setJson] = useState(JSON.stringify(list.criteria, null, 2));
  const [error, setError] = useState<string>();
  const save = () => {
    let criteria: unknown;
    try {
      criteria = drawn ? (toWhere(conditions, module.fields) ?? true) : JSON.parse(json);
    } catch {
      setError('Not valid JSON');
      return;
    }
    changeList(list.id, { criteria }).then(
      (changed) => {
        done('Filter saved');
        onSaved(changed);
      },
      (e) => setError((e as Error).message),
    );
  };
  return (
    <Paper withBorder p="sm" data-testid="list-filter">
      <Stack gap="xs">
        {drawn ? (
          <WhereFilter
            module={module.name}
            fields={module.fields}
            conditions={conditions}
            onChange={setConditions}
          />
        ) : (
          <JsonInput label="Filter (json-logic)" autosize minRows={3} value={json} onChange={setJson} />
        )}
        {error && (
          <Text size="sm" c="red">
            {error}
          </Text>
        )}
        <Group gap="xs">
          <Button size="xs" onClick={save}>
            Save filter
          </Button>
          <Button size="xs" variant="default" onClick={onClose}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function Members({ list, module, canRemove }: { list: RecordList; module: ModuleDef; canRemove: boolean }) {
  const { items, error, hasMore, more, reload } = usePaged<RecordRow>(`/lists/${list.id}/records?limit=50`);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const people = useAssignees();
  const columns = [...new Set([...module.displayFields, 'assignedTo', 'updatedAt'])]
    .map((name) => module.fields.find((f) => f.name === name))
    .filter((field) => field !== undefined);
  const [first] = columns;
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const remove = () =>
    changeMembers(list.id, 'remove', [...selected]).then(({ members }) => {
      done(`Removed ${selected.size} from the list; ${members} left`);
      setSelected(new Set());
      reload();
    }, fail);

  if (error)
    return (
      <Alert color="red" title="The list's records could not be loaded">
        {error}
      </Alert>
    );
  if (items === null) return <Loader />;
  if (items.length === 0)
    return (
      <Alert color="gray" title="No records on this list" data-testid="empty">
        {list.kind === 'static'
          ? `Add ${module.label.toLowerCase()} from their record list: tick them, then “Add to list…”.`
          : 'No record you can see matches the filter.'}
      </Alert>
    );
  return (
    <>
      {canRemove && selected.size > 0 && (
        <Group gap="xs" data-testid="list-bulk-bar">
          <Text size="sm">{selected.size} selected</Text>
          <Button size="xs" variant="light" color="red" onClick={remove}>
            Remove from list
          </Button>
        </Group>
      )}
      <Table.ScrollContainer minWidth={36 + columns.length * 140}>
        <Table striped highlightOnHover data-testid="list-records">
          <Table.Thead>
            <Table.Tr>
              {canRemove && <Table.Th w={36} />}
              {columns.map((field) => (
                <Table.Th key={field.name}>{field.label}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((record) => (
              <Table.Tr key={record.id}>
                {canRemove && (
                  <Table.Td>
                    <Checkbox
                      aria-label="Select"
                      checked={selected.has(record.id)}
                      onChange={() => toggle(record.id)}
                    />
                  </Table.Td>
                )}
                {columns.map((field) => {
                  const text = displayValue(field, record[field.name], people, record);
                  return (
                    <Table.Td key={field.name}>
                      {field === first ? (
                        <AppLink to={`/records/${module.name}/${record.id}`}>{text || 'Open'}</AppLink>
                      ) : (
                        text
                      )}
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {hasMore && (
        <Button variant="default" w={140} onClick={more}>
          Load more
        </Button>
      )}
    </>
  );
}
