/** The trigger log (X2CRM's): every event that reached a flow and what came of it, for all flows or one. */
import { Anchor, Badge, Button, Group, Modal, Select, Stack, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { done, fail, usePaged } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { SchemaForm } from './schema-form.tsx';
import { saveSettings, settingsPart, useSettings } from './settings-admin.tsx';

interface Entry {
  id: number;
  flowId: string;
  flowName: string;
  eventType: string | null;
  module: string | null;
  recordId: string | null;
  outcome: string;
  runId: string | null;
  detail: string | null;
  createdAt: string;
}

export const outcomes: Record<string, [label: string, color: string]> = {
  started: ['Run started', 'green'],
  conditions: ['Conditions not met', 'gray'],
  'depth-limit': ['Chain too deep', 'orange'],
  cycle: ['Cycle stopped', 'orange'],
  error: ['Error', 'red'],
};

const logSettings = settingsPart((name) => name.startsWith('triggerLog'));

function LogSettings() {
  const values = useSettings();
  return values ? (
    <SchemaForm schema={logSettings} data={values} onSubmit={(data) => saveSettings(logSettings, data)} />
  ) : null;
}

export function TriggerLogAdmin() {
  const initial = new URLSearchParams(location.search).get('flow');
  const [flowId, setFlowId] = useState<string | null>(initial);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [flows, setFlows] = useState<{ value: string; label: string }[]>([]);
  const [clearing, setClearing] = useState(false);
  const [settings, setSettings] = useState(false);
  useEffect(() => {
    api<Page<{ id: string; name: string }>>('GET', '/flows?limit=500').then(
      (page) => setFlows(page.items.map((f) => ({ value: f.id, label: f.name }))),
      fail,
    );
  }, []);
  const query = new URLSearchParams({ limit: '50' });
  if (flowId) query.set('flowId', flowId);
  if (outcome) query.set('outcome', outcome);
  const { items, hasMore, more, reload } = usePaged<Entry>(`/trigger-log?${query}`);
  const flowName = flows.find((f) => f.value === flowId)?.label;

  const remove = (entry: Entry) =>
    api('DELETE', `/trigger-log/${entry.id}`).then(() => {
      done('Entry deleted');
      reload();
    }, fail);
  const clear = () =>
    api<{ deleted: number }>('DELETE', `/trigger-log${flowId ? `?flowId=${flowId}` : ''}`).then((answer) => {
      done(`${answer.deleted} entries deleted`);
      setClearing(false);
      reload();
    }, fail);

  return (
    <Stack gap="xs" data-testid="trigger-log">
      <Group align="flex-end">
        <Select
          label="Flow"
          placeholder="All flows"
          clearable
          searchable
          w={260}
          data={flows}
          value={flowId}
          onChange={setFlowId}
        />
        <Select
          label="Outcome"
          placeholder="Any outcome"
          clearable
          w={200}
          data={Object.entries(outcomes).map(([value, [label]]) => ({ value, label }))}
          value={outcome}
          onChange={setOutcome}
        />
        <Button variant="subtle" color="red" onClick={() => setClearing(true)} disabled={!items?.length}>
          {flowId ? 'Delete this flow’s entries' : 'Delete all entries'}
        </Button>
        <Button variant="subtle" onClick={() => setSettings(true)}>
          Log settings
        </Button>
      </Group>
      {items?.length === 0 && <Text c="dimmed">Nothing logged{flowName ? ` for ${flowName}` : ''}.</Text>}
      {items && items.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Flow</Table.Th>
                <Table.Th>Event</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th>Detail</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((entry) => {
                const [label, color] = outcomes[entry.outcome] ?? [entry.outcome, 'gray'];
                return (
                  <Table.Tr key={entry.id}>
                    <Table.Td>{formatDateTime(entry.createdAt)}</Table.Td>
                    <Table.Td>
                      <Anchor size="sm" onClick={() => navigate(`/flows/${entry.flowId}`)}>
                        {entry.flowName}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      {entry.eventType ?? '—'}{' '}
                      {entry.module && entry.recordId && (
                        <Anchor
                          size="xs"
                          onClick={() => navigate(`/records/${entry.module}/${entry.recordId}`)}
                        >
                          record
                        </Anchor>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge color={color} variant="light">
                        {label}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {entry.runId ? (
                        <Anchor size="sm" onClick={() => navigate(`/flows/${entry.flowId}`)}>
                          Run {entry.runId.slice(0, 8)}
                        </Anchor>
                      ) : (
                        <Text size="sm">{entry.detail}</Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Button size="compact-xs" variant="subtle" color="red" onClick={() => remove(entry)}>
                        Delete
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {hasMore && (
        <Button variant="default" size="xs" onClick={more} w={120}>
          Load more
        </Button>
      )}
      <Modal
        opened={clearing}
        onClose={() => setClearing(false)}
        title={flowName ? `Delete every entry of “${flowName}”?` : 'Delete every trigger log entry?'}
      >
        <Text size="sm" mb="md">
          The entries are deleted; runs are kept.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setClearing(false)}>
            Cancel
          </Button>
          <Button color="red" onClick={clear}>
            Delete
          </Button>
        </Group>
      </Modal>
      <Modal opened={settings} onClose={() => setSettings(false)} title="Trigger log settings">
        <LogSettings />
      </Modal>
    </Stack>
  );
}
