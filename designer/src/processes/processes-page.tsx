/**
 * Processes (`/processes`, `/processes/new`, `/processes/<id>/<board|funnel|edit>`): the list,
 * and one process's pipeline board, funnel and (administrators) editor.
 */
import { Alert, Badge, Button, Group, Loader, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { AppLink } from '../app/app-link.tsx';
import { useCurrentUser } from '../app/current-user.ts';
import { useModules } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { FunnelView } from './funnel-view.tsx';
import { PipelineBoard } from './pipeline-board.tsx';
import { ProcessEditor } from './process-editor.tsx';
import { type Process, useGet } from './processes-api.ts';

export function ProcessesPage({ rest }: { rest: string[] }) {
  const [id, tab] = rest;
  if (id === 'new') return <NewProcess />;
  if (id) return <OneProcess key={id} id={id} tab={tab ?? 'board'} />;
  return <AllProcesses />;
}

function AllProcesses() {
  const me = useCurrentUser();
  const modules = useModules() ?? [];
  const { data, error } = useGet<{ items: Process[] }>('/processes');
  const label = (name: string) => modules.find((m) => m.name === name)?.label ?? name;
  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Group justify="space-between">
        <Title order={3}>Processes</Title>
        {me.isAdmin && <Button onClick={() => navigate('/processes/new')}>New process</Button>}
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      {!data ? (
        <Loader />
      ) : data.items.length === 0 ? (
        <Text c="dimmed">
          No process yet.{me.isAdmin ? ' Create one to move records through stages.' : ''}
        </Text>
      ) : (
        <Table highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Process</Table.Th>
              <Table.Th>Modules</Table.Th>
              <Table.Th>Stages</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.items.map((process) => (
              <Table.Tr key={process.id}>
                <Table.Td>
                  <AppLink to={`/processes/${process.id}/board`}>{process.name}</AppLink>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {process.modules.map((m) => (
                      <Badge key={m} variant={process.defaultFor.includes(m) ? 'filled' : 'light'}>
                        {label(m)}
                        {process.defaultFor.includes(m) ? ' (default)' : ''}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>{process.stages.map((stage) => stage.name).join(' → ')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

function NewProcess() {
  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Title order={3}>New process</Title>
      <ProcessEditor process={null} />
    </Stack>
  );
}

function OneProcess({ id, tab }: { id: string; tab: string }) {
  const me = useCurrentUser();
  const { data: process, error, reload } = useGet<Process>(`/processes/${id}`);
  if (error)
    return (
      <Alert m="md" color="red">
        {error}
      </Alert>
    );
  if (!process) return <Loader m="md" />;
  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Group gap="xs">
        <AppLink to="/processes" size="sm">
          Processes
        </AppLink>
        <Text size="sm">/</Text>
        <Title
          order={3}
          style={{ borderLeft: `4px solid ${process.color ?? 'transparent'}`, paddingLeft: 8 }}
        >
          {process.name}
        </Title>
      </Group>
      <Tabs value={tab} onChange={(value) => value && navigate(`/processes/${id}/${value}`)}>
        <Tabs.List>
          <Tabs.Tab value="board">Pipeline</Tabs.Tab>
          <Tabs.Tab value="funnel">Funnel</Tabs.Tab>
          {me.isAdmin && <Tabs.Tab value="edit">Edit</Tabs.Tab>}
        </Tabs.List>
      </Tabs>
      {tab === 'funnel' ? (
        <FunnelView process={process} />
      ) : tab === 'edit' && me.isAdmin ? (
        <ProcessEditor key={JSON.stringify(process)} process={process} onSaved={reload} />
      ) : (
        <PipelineBoard key={process.id} process={process} />
      )}
    </Stack>
  );
}
