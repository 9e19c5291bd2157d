/** Mass dedupe: groups of likely duplicates per module, merged field by field; the merge log with revert; missing records. */
import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  Radio,
  Select,
  Slider,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { done, fail, type ModuleDef, useModules } from '../console/console-api.ts';
import { navigate } from '../router.ts';

interface DuplicateGroup {
  rules: string[];
  score: number;
  records: { id: string; name: string }[];
}
interface Merge {
  id: string;
  module: string;
  survivorId: string;
  mergedIds: string[];
  mergedBy: string | null;
  createdAt: string;
  revertedAt: string | null;
  moved: { feedPosts: number; listMembers: number; links: number; processes?: number };
}
type RecordValues = Record<string, unknown> & { id: string };

const ruleLabels: Record<string, string> = { email: 'Same email', phone: 'Same phone', name: 'Similar name' };

const shown = (value: unknown) =>
  value === null || value === undefined || value === ''
    ? '—'
    : Array.isArray(value)
      ? value.join(', ')
      : String(value);

function MergeDialog({
  module,
  group,
  onClose,
  onMerged,
}: {
  module: ModuleDef;
  group: DuplicateGroup;
  onClose: () => void;
  onMerged: () => void;
}) {
  const [records, setRecords] = useState<RecordValues[] | null>(null);
  const [survivor, setSurvivor] = useState(group.records[0]?.id ?? '');
  const [choices, setChoices] = useState<Record<string, string>>({});
  useEffect(() => {
    Promise.all(group.records.map((r) => api<RecordValues>('GET', `/records/${module.name}/${r.id}`))).then(
      setRecords,
      fail,
    );
  }, [group, module]);
  const fields = module.fields.filter(
    (field) =>
      !field.readOnly &&
      records !== null &&
      new Set(records.map((r) => JSON.stringify(r[field.name] ?? null))).size > 1,
  );
  const merge = () => {
    const picked = Object.fromEntries(
      fields
        .map((field) => [field.name, choices[field.name] ?? survivor])
        .filter(([, id]) => id !== survivor),
    );
    api<{ merged: number }>('POST', '/dedupe/merges', {
      module: module.name,
      survivorId: survivor,
      mergedIds: group.records.map((r) => r.id).filter((id) => id !== survivor),
      choices: picked,
    }).then((answer) => {
      done(`${answer.merged + 1} records merged into one`);
      onMerged();
    }, fail);
  };
  const nameOf = (id: string) => group.records.find((r) => r.id === id)?.name ?? id;
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Merge ${group.records.length} ${module.label.toLowerCase()}`}
      size="xl"
    >
      {records && (
        <Stack gap="sm">
          <Radio.Group label="Keep this record" value={survivor} onChange={setSurvivor}>
            <Group mt={4}>
              {group.records.map((r) => (
                <Radio key={r.id} value={r.id} label={r.name} />
              ))}
            </Group>
          </Radio.Group>
          {fields.length === 0 ? (
            <Text size="sm" c="dimmed">
              The records hold the same values.
            </Text>
          ) : (
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Field</Table.Th>
                  {records.map((r) => (
                    <Table.Th key={r.id}>{nameOf(r.id)}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {fields.map((field) => (
                  <Table.Tr key={field.name}>
                    <Table.Td>{field.label}</Table.Td>
                    {records.map((r) => (
                      <Table.Td key={r.id}>
                        <Radio
                          aria-label={`${field.label}: ${shown(r[field.name])} from ${nameOf(r.id)}`}
                          label={shown(r[field.name])}
                          checked={(choices[field.name] ?? survivor) === r.id}
                          onChange={() => setChoices((current) => ({ ...current, [field.name]: r.id }))}
                        />
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <Text size="xs" c="dimmed">
            Tasks, feed posts, list memberships, links and process progress of the other records move to the
            one kept (where it has no progress of its own in that process); the merge can be reverted from the
            merge log.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button onClick={merge}>Merge</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

export function DedupeAdmin() {
  const modules = useModules();
  const [moduleName, setModuleName] = useState<string | null>('contacts');
  const [rules, setRules] = useState<string[]>(['email', 'phone', 'name']);
  const [threshold, setThreshold] = useState(0.5);
  const [groups, setGroups] = useState<DuplicateGroup[] | null>(null);
  const [merging, setMerging] = useState<DuplicateGroup | null>(null);
  const [merges, setMerges] = useState<Merge[]>([]);
  const [missing, setMissing] = useState<{ id: string; name: string; reason: string }[] | null>(null);
  const module = modules?.find((m) => m.name === moduleName);

  const reload = useCallback(() => {
    if (!moduleName || rules.length === 0) return;
    api<{ items: DuplicateGroup[] }>(
      'GET',
      `/dedupe/duplicates?module=${moduleName}&rules=${rules.join(',')}&threshold=${threshold}`,
    ).then((answer) => setGroups(answer.items), fail);
    api<{ items: Merge[] }>('GET', `/dedupe/merges?module=${moduleName}`).then(
      (answer) => setMerges(answer.items),
      fail,
    );
  }, [moduleName, rules, threshold]);
  useEffect(reload, [reload]);

  const revert = (merge: Merge) =>
    api('POST', `/dedupe/merges/${merge.id}/revert`).then(() => {
      done('Merge reverted');
      reload();
    }, fail);

  return (
    <Stack gap="sm" data-testid="dedupe" maw={960}>
      <Group align="flex-end">
        <Select
          label="Module"
          w={220}
          data={(modules ?? []).map((m) => ({ value: m.name, label: m.label }))}
          value={moduleName}
          onChange={setModuleName}
        />
        <Checkbox.Group label="Match on" value={rules} onChange={setRules}>
          <Group mt={6}>
            {Object.entries(ruleLabels).map(([value, label]) => (
              <Checkbox key={value} value={value} label={label} />
            ))}
          </Group>
        </Checkbox.Group>
        <Stack gap={2} w={200}>
          <Text size="sm">Name similarity: {Math.round(threshold * 100)}%</Text>
          <Slider
            min={0.2}
            max={1}
            step={0.05}
            value={threshold}
            onChange={setThreshold}
            label={null}
            aria-label="Name similarity"
          />
        </Stack>
      </Group>
      {groups?.length === 0 && <Text c="dimmed">No likely duplicates.</Text>}
      {groups && groups.length > 0 && (
        <Table striped data-testid="duplicate-groups">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Records</Table.Th>
              <Table.Th>Why</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {groups.map((group) => (
              <Table.Tr key={group.records.map((r) => r.id).join()}>
                <Table.Td>
                  {group.records.map((r, index) => (
                    <span key={r.id}>
                      {index > 0 && ', '}
                      <Anchor size="sm" onClick={() => navigate(`/records/${moduleName}/${r.id}`)}>
                        {r.name}
                      </Anchor>
                    </span>
                  ))}
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {group.rules.map((rule) => (
                      <Badge key={rule} variant="light">
                        {ruleLabels[rule] ?? rule}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="light" onClick={() => setMerging(group)}>
                    Merge…
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {merges.length > 0 && (
        <>
          <Title order={5}>Merge log</Title>
          <Table data-testid="merge-log">
            <Table.Tbody>
              {merges.map((merge) => (
                <Table.Tr key={merge.id}>
                  <Table.Td>{formatDateTime(merge.createdAt)}</Table.Td>
                  <Table.Td>
                    {merge.mergedIds.length + 1} records merged by {merge.mergedBy ?? 'someone'}; moved{' '}
                    {merge.moved.feedPosts} posts, {merge.moved.listMembers} list memberships,{' '}
                    {merge.moved.links} links
                    {merge.moved.processes ? `, ${merge.moved.processes} process progress` : ''}
                  </Table.Td>
                  <Table.Td>
                    {merge.revertedAt ? (
                      <Badge variant="light" color="gray">
                        reverted
                      </Badge>
                    ) : (
                      <Button size="compact-xs" variant="subtle" onClick={() => revert(merge)}>
                        Revert
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </>
      )}
      <Group>
        <Button
          size="xs"
          variant="default"
          onClick={() =>
            api<{ items: { id: string; name: string; reason: string }[] }>(
              'GET',
              `/dedupe/missing-records?module=${moduleName}`,
            ).then((answer) => setMissing(answer.items), fail)
          }
        >
          Locate missing records
        </Button>
      </Group>
      {missing?.length === 0 && <Text c="dimmed">Every record has an owner who can reach it.</Text>}
      {missing && missing.length > 0 && (
        <Table data-testid="missing-records">
          <Table.Tbody>
            {missing.map((record) => (
              <Table.Tr key={record.id}>
                <Table.Td>
                  <Anchor size="sm" onClick={() => navigate(`/records/${moduleName}/${record.id}`)}>
                    {record.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>{record.reason}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {merging && module && (
        <MergeDialog
          module={module}
          group={merging}
          onClose={() => setMerging(null)}
          onMerged={() => {
            setMerging(null);
            reload();
          }}
        />
      )}
    </Stack>
  );
}
