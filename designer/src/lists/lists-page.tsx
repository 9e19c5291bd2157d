/**
 * Lists (`/lists`, `/lists/<id>`): every list I can see, by module, static and dynamic; new,
 * rename, delete (asks first); one list's records in `list-view.tsx`.
 */
import { Alert, Button, Group, Loader, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { AppLink } from '../app/app-link.tsx';
import { useCurrentUser } from '../app/current-user.ts';
import { formatDateTime } from '../app/dates.ts';
import { useModules, usePaged } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { DeleteListModal, KindBadge, NewListModal, RenameListModal } from './list-dialogs.tsx';
import { ListView } from './list-view.tsx';
import type { RecordList } from './lists-api.ts';

type Dialog = { kind: 'new' } | { kind: 'rename' | 'delete'; list: RecordList } | null;

export function ListsPage({ rest }: { rest: string[] }) {
  const [id] = rest;
  if (id) return <ListView key={id} id={id} />;
  return <AllLists />;
}

function AllLists() {
  const me = useCurrentUser();
  const modules = useModules();
  const [module, setModule] = useState<string | null>(
    new URLSearchParams(window.location.search).get('module'),
  );
  const { items, error, hasMore, more, reload } = usePaged<RecordList>(
    `/lists?limit=50${module ? `&module=${module}` : ''}`,
  );
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);
  const label = (name: string) => modules?.find((m) => m.name === name)?.label ?? name;
  const mine = (list: RecordList) => me.isAdmin || list.ownerId === me.id;

  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Group justify="space-between">
        <Title order={3}>Lists</Title>
        <Button onClick={() => setDialog({ kind: 'new' })}>New list</Button>
      </Group>
      <Group align="flex-end">
        <Select
          label="Module"
          placeholder="All modules"
          clearable
          w={260}
          data={(modules ?? []).map((m) => ({ value: m.name, label: m.label }))}
          value={module}
          onChange={setModule}
        />
        <Text size="sm" c="dimmed" maw={520}>
          A static list holds the records added to it (tick records in a record list, then “Add to list…”); a
          dynamic list holds whatever matches its filter (“Save filter as list” in a record list).
        </Text>
      </Group>
      {error && (
        <Alert color="red" title="The lists could not be loaded">
          {error}
        </Alert>
      )}
      {items === null && !error ? (
        <Loader />
      ) : items?.length === 0 ? (
        <Alert color="gray" title="No lists here" data-testid="empty">
          Create one with “New list”, or save a record list's filter as a list.
        </Alert>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped data-testid="lists-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Module</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th>Visibility</Table.Th>
                <Table.Th>Changed</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items?.map((list) => (
                <Table.Tr key={list.id}>
                  <Table.Td>
                    <AppLink to={`/lists/${list.id}`}>{list.name}</AppLink>
                  </Table.Td>
                  <Table.Td>{label(list.module)}</Table.Td>
                  <Table.Td>
                    <KindBadge list={list} />
                  </Table.Td>
                  <Table.Td>{list.visibility}</Table.Td>
                  <Table.Td>{formatDateTime(list.updatedAt)}</Table.Td>
                  <Table.Td>
                    {mine(list) && (
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          aria-label={`Rename ${list.name}`}
                          onClick={() => setDialog({ kind: 'rename', list })}
                        >
                          Rename
                        </Button>
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          color="red"
                          aria-label={`Delete ${list.name}`}
                          onClick={() => setDialog({ kind: 'delete', list })}
                        >
                          Delete
                        </Button>
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {hasMore && (
        <Button variant="default" w={140} onClick={more}>
          Load more
        </Button>
      )}
      {dialog?.kind === 'new' && modules && (
        <NewListModal
          modules={modules}
          module={module}
          onClose={close}
          onCreated={(list) => navigate(`/lists/${list.id}`)}
        />
      )}
      {dialog?.kind === 'rename' && (
        <RenameListModal
          list={dialog.list}
          onClose={close}
          onDone={() => {
            close();
            reload();
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteListModal
          list={dialog.list}
          onClose={close}
          onDone={() => {
            close();
            reload();
          }}
        />
      )}
    </Stack>
  );
}
