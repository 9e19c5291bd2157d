import {
  ActionIcon,
  Badge,
  Button,
  FileButton,
  Group,
  Menu,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useCallback, useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';
import { navigate } from '../router.ts';
import { type FlowDetail, type FlowSummary, type Problem, statusColor } from './flows-api.ts';
import { TemplateGallery } from './template-gallery.tsx';

const fail = (error: unknown): undefined => {
  notifications.show({ color: 'red', message: (error as Error).message });
};

function download(name: string, value: unknown) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}

export function FlowsList() {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 200);
  const [flows, setFlows] = useState<FlowSummary[] | null>(null);
  const [gallery, setGallery] = useState(false);
  const [titles, setTitles] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    api<Page<{ type: string; title: string }>>('GET', '/nodes').then(
      (page) => setTitles(new Map(page.items.map((n) => [n.type, n.title]))),
      () => undefined,
    );
  }, []);

  const load = useCallback(() => {
    const query = new URLSearchParams({ limit: '200', ...(q && { q }) });
    api<Page<FlowSummary>>('GET', `/flows?${query}`).then((page) => setFlows(page.items), fail);
  }, [q]);
  useEffect(load, [load]);

  const create = async () => {
    const taken = new Set((flows ?? []).map((flow) => flow.name));
    let name = 'Untitled flow';
    for (let n = 2; taken.has(name); n++) name = `Untitled flow ${n}`;
    const flow = await api<FlowSummary>('POST', '/flows', { name }).catch(fail);
    if (flow) navigate(`/flows/${flow.id}`);
  };

  const duplicate = async (id: string) => {
    const flow = await api<FlowDetail>('GET', `/flows/${id}`);
    await api('POST', '/flows', {
      name: `${flow.name} (copy)`,
      definition: { ...flow.draft, name: `${flow.name} (copy)` },
    });
    load();
  };

  const remove = async (flow: FlowSummary) => {
    if (!window.confirm(`Delete "${flow.name}" with its versions and runs?`)) return;
    await api('DELETE', `/flows/${flow.id}`).catch(fail);
    load();
  };

  const exportFlow = async (flow: FlowSummary) => {
    const file = await api('GET', `/flows/${flow.id}/export`).catch(fail);
    if (file) download(`${flow.name.replace(/[^\w.-]+/g, '-')}.weft-flow.json`, file);
  };

  const importFile = async (file: File | null) => {
    if (!file) return;
    try {
      const parsed: unknown = JSON.parse(await file.text());
      const answer = await api<{
        flow: FlowSummary;
        unmapped: unknown[];
        problems: Problem[];
        usersNotFound?: string[];
        bindings?: unknown[];
      }>('POST', '/flows/import', parsed);
      notifications.show({
        color: answer.unmapped.length > 0 || answer.problems.length > 0 ? 'yellow' : 'teal',
        message: `Imported "${answer.flow.name}"${answer.unmapped.length > 0 ? `; ${answer.unmapped.length} item(s) could not be mapped` : ''}${answer.usersNotFound?.length ? `; no Weft user for ${answer.usersNotFound.join(', ')}` : ''}${answer.bindings?.length ? `; ${answer.bindings.length} X2CRM reference(s) to choose (Problems tab)` : ''}${answer.problems.length > 0 ? `; ${answer.problems.length} problem(s) to fix` : ''}`,
      });
      navigate(`/flows/${answer.flow.id}`);
    } catch (error) {
      fail(error);
    }
  };

  return (
    <Stack p="lg" gap="md">
      <TemplateGallery opened={gallery} onClose={() => setGallery(false)} />
      <Group justify="space-between">
        <Title order={3}>Flows</Title>
        <Group>
          <TextInput
            placeholder="Search flows"
            aria-label="Search flows"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            w={240}
          />
          <FileButton onChange={importFile} accept="application/json,.json">
            {(props) => (
              <Button variant="default" {...props}>
                Import
              </Button>
            )}
          </FileButton>
          <Button variant="default" onClick={() => setGallery(true)}>
            Templates
          </Button>
          <Button onClick={create}>New flow</Button>
        </Group>
      </Group>
      <Table.ScrollContainer minWidth={680}>
        <Table highlightOnHover verticalSpacing="sm" withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Trigger</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Last run</Table.Th>
              <Table.Th>Runs</Table.Th>
              <Table.Th w={48} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {flows?.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text c="dimmed" ta="center" py="lg">
                    {q ? 'No flow matches.' : 'No flows yet: create one or import a file.'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
            {flows?.map((flow) => (
              <Table.Tr
                key={flow.id}
                style={{ cursor: 'pointer' }}
                onClick={() => navigate(`/flows/${flow.id}`)}
              >
                <Table.Td>
                  <Text fw={500}>{flow.name}</Text>
                  {flow.description && (
                    <Text size="xs" c="dimmed" lineClamp={1}>
                      {flow.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {flow.triggerType ? (titles.get(flow.triggerType) ?? flow.triggerType) : '—'}
                    {flow.triggerModule && (
                      <Text span c="dimmed">
                        {' '}
                        · {flow.triggerModule}
                      </Text>
                    )}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light" color={flow.active ? 'teal' : 'gray'}>
                    {flow.active ? 'Active' : 'Inactive'}
                  </Badge>
                  {flow.publishedVersion === null ? (
                    <Badge variant="outline" color="gray" ml={4}>
                      Draft
                    </Badge>
                  ) : (
                    <Text
                      size="xs"
                      c={flow.unpublishedChanges ? 'orange.8' : 'dimmed'}
                      data-testid="flow-version"
                    >
                      v{flow.publishedVersion} {flow.active ? 'live' : 'published'}
                      {flow.unpublishedChanges && ' · unpublished changes'}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {flow.stats.lastStatus ? (
                    <Badge variant="dot" color={statusColor[flow.stats.lastStatus] ?? 'gray'}>
                      {flow.stats.lastStatus}
                    </Badge>
                  ) : (
                    <Text c="dimmed">—</Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">
                    {flow.stats.runs}
                    {flow.stats.failed > 0 && (
                      <Text span c="red">
                        {' '}
                        ({flow.stats.failed} failed)
                      </Text>
                    )}
                  </Text>
                </Table.Td>
                <Table.Td onClick={(e) => e.stopPropagation()}>
                  <Menu position="bottom-end">
                    <Menu.Target>
                      <ActionIcon variant="subtle" color="gray" aria-label={`Actions for ${flow.name}`}>
                        ⋯
                      </ActionIcon>
                    </Menu.Target>
                    <Menu.Dropdown>
                      <Menu.Item onClick={() => duplicate(flow.id).catch(fail)}>Duplicate</Menu.Item>
                      <Menu.Item onClick={() => exportFlow(flow)}>Export</Menu.Item>
                      <Menu.Item color="red" onClick={() => remove(flow)}>
                        Delete
                      </Menu.Item>
                    </Menu.Dropdown>
                  </Menu>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
