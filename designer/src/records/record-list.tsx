/** A module's records: search, filters, sort by header, column chooser, load more, bulk actions. */
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Loader,
  Menu,
  Modal,
  ScrollArea,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue, useLocalStorage } from '@mantine/hooks';
import { useEffect, useMemo, useState } from 'react';
import { api, type Page } from '../api.ts';
import { done, fail, type ModuleDef, type RecordRow, usePaged } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { displayValue, useAssignees } from './field-input.tsx';
import { WhereFilter } from './where-filter.tsx';
import { type Condition, toWhere } from './where-rules.ts';

function defaultColumns(module: ModuleDef): string[] {
  const own = module.fields.filter((f) => !f.system).map((f) => f.name);
  return [...new Set([...module.displayFields, ...own])].slice(0, 5).concat('assignedTo', 'updatedAt');
}

type Bulk = 'assign' | 'tag' | 'delete' | 'flow' | null;

interface ManualFlow {
  id: string;
  name: string;
}

/** Published manual flows on this module (X2CRM macros); flows are listed to admins only. */
function useManualFlows(module: string, allowed: boolean): ManualFlow[] {
  const [flows, setFlows] = useState<ManualFlow[]>([]);
  useEffect(() => {
    if (!allowed) return;
    api<
      Page<
        ManualFlow & {
          triggerType: string | null;
          triggerModule: string | null;
          publishedVersion: number | null;
        }
      >
    >('GET', '/flows?limit=200').then(
      (page) =>
        setFlows(
          page.items.filter(
            (f) =>
              f.triggerType === 'trigger.manual' && f.triggerModule === module && f.publishedVersion !== null,
          ),
        ),
      () => setFlows([]),
    );
  }, [module, allowed]);
  return flows;
}

export function RecordList({ module, canRunFlows }: { module: ModuleDef; canRunFlows: boolean }) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const [sort, setSort] = useState('-updatedAt');
  const [draft, setDraft] = useState<Condition[]>([]);
  const [applied, setApplied] = useState<Condition[]>([]);
  const [columns, setColumns] = useLocalStorage<string[]>({
    key: `weft.columns.${module.name}`,
    defaultValue: defaultColumns(module),
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState<Bulk>(null);
  const people = useAssignees();
  const flows = useManualFlows(module.name, canRunFlows);

  const shown = columns.filter((name) => module.fields.some((f) => f.name === name));
  const path = useMemo(() => {
    const query = new URLSearchParams({ limit: '50', sort });
    if (q) query.set('q', q);
    const where = toWhere(applied, module.fields);
    if (where) query.set('where', JSON.stringify(where));
    return `/records/${module.name}?${query}`;
  }, [module, q, sort, applied]);
  const { items, error, hasMore, more, reload } = usePaged<RecordRow>(path);

  const toggleSort = (name: string) => setSort(sort === name ? `-${name}` : name);
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const all = items !== null && items.length > 0 && items.every((r) => selected.has(r.id));

  const runBulk = async (action: (id: string) => Promise<unknown>, message: string) => {
    const ids = [...selected];
    const results = await Promise.allSettled(ids.map(action));
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    if (failed.length)
      fail(new Error(`${failed.length} of ${ids.length} failed: ${failed[0]?.reason?.message}`));
    else done(message);
    setSelected(new Set());
    setBulk(null);
    reload();
  };

  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0 }}>
      <Group justify="space-between">
        <Title order={3}>{module.label}</Title>
        <Group gap="xs">
          <Menu closeOnItemClick={false} position="bottom-end">
            <Menu.Target>
              <Button variant="default" size="sm">
                Columns
              </Button>
            </Menu.Target>
            <Menu.Dropdown mah={400} style={{ overflow: 'auto' }}>
              {module.fields.map((field) => (
                <Menu.Item key={field.name}>
                  <Checkbox
                    label={field.label}
                    checked={shown.includes(field.name)}
                    onChange={(e) =>
                      setColumns(
                        e.currentTarget.checked
                          ? [...shown, field.name]
                          : shown.filter((name) => name !== field.name),
                      )
                    }
                  />
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          <Button onClick={() => navigate(`/records/${module.name}/new`)}>New {module.itemName}</Button>
        </Group>
      </Group>
      <Group align="flex-start" gap="md">
        <TextInput
          placeholder={`Search ${module.label.toLowerCase()}`}
          aria-label="Search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          w={260}
        />
        <WhereFilter fields={module.fields} conditions={draft} onChange={setDraft} />
        {draft.length > 0 && (
          <Button size="xs" mt={4} onClick={() => setApplied(draft)}>
            Apply filters
          </Button>
        )}
      </Group>
      {selected.size > 0 && (
        <Group gap="xs" data-testid="bulk-bar">
          <Text size="sm">{selected.size} selected</Text>
          <Button size="xs" variant="light" onClick={() => setBulk('assign')}>
            Assign
          </Button>
          <Button size="xs" variant="light" onClick={() => setBulk('tag')}>
            Tag
          </Button>
          {flows.length > 0 && (
            <Button size="xs" variant="light" onClick={() => setBulk('flow')}>
              Run flow
            </Button>
          )}
          <Button size="xs" variant="light" color="red" onClick={() => setBulk('delete')}>
            Delete
          </Button>
        </Group>
      )}
      {error && (
        <Alert color="red" title="The list could not be loaded">
          {error} — check the filters (each needs a field and a value of the field's type) and try again.
        </Alert>
      )}
      {items === null && !error ? (
        <Loader />
      ) : items && items.length === 0 ? (
        <Alert color="gray" title={`No ${module.label.toLowerCase()} here`} data-testid="empty">
          {q || applied.length
            ? 'Nothing matches the search or filters: clear them to see everything.'
            : `Create the first one with “New ${module.itemName}”, or import a file from Import.`}
        </Alert>
      ) : (
        <ScrollArea style={{ flex: 1 }}>
          <Table striped highlightOnHover stickyHeader data-testid="records-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={36}>
                  <Checkbox
                    aria-label="Select all"
                    checked={all}
                    onChange={() => setSelected(all ? new Set() : new Set(items?.map((r) => r.id)))}
                  />
                </Table.Th>
                {shown.map((name) => {
                  const field = module.fields.find((f) => f.name === name);
                  const mark = sort === name ? ' ▲' : sort === `-${name}` ? ' ▼' : '';
                  return (
                    <Table.Th key={name}>
                      <UnstyledButton fw={600} fz="sm" onClick={() => toggleSort(name)}>
                        {field?.label ?? name}
                        {mark}
                      </UnstyledButton>
                    </Table.Th>
                  );
                })}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items?.map((record) => (
                <Table.Tr key={record.id} style={{ cursor: 'pointer' }}>
                  <Table.Td>
                    <Checkbox
                      aria-label="Select"
                      checked={selected.has(record.id)}
                      onChange={() => toggle(record.id)}
                    />
                  </Table.Td>
                  {shown.map((name) => (
                    <Table.Td key={name} onClick={() => navigate(`/records/${module.name}/${record.id}`)}>
                      {displayValue(
                        module.fields.find((f) => f.name === name),
                        record[name],
                        people,
                        record,
                      )}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {hasMore && (
            <Group justify="center" p="sm">
              <Button variant="default" onClick={more}>
                Load more
              </Button>
            </Group>
          )}
        </ScrollArea>
      )}
      <BulkModal
        bulk={bulk}
        count={selected.size}
        people={people}
        onClose={() => setBulk(null)}
        onAssign={(to) =>
          runBulk((id) => api('PATCH', `/records/${module.name}/${id}`, { assignedTo: to }), 'Assigned')
        }
        onTag={(tags) =>
          runBulk((id) => api('POST', `/records/${module.name}/${id}/tags`, { tags }), 'Tagged')
        }
        onDelete={() => runBulk((id) => api('DELETE', `/records/${module.name}/${id}`), 'Deleted')}
        flows={flows}
        onRunFlow={async (flowId) => {
          await api('POST', `/flows/${flowId}/run`, { recordIds: [...selected] }).then(
            () => done(`The flow is running on ${selected.size} records`),
            fail,
          );
          setSelected(new Set());
          setBulk(null);
        }}
      />
    </Stack>
  );
}

function BulkModal({
  bulk,
  count,
  people,
  onClose,
  onAssign,
  onTag,
  onDelete,
  flows,
  onRunFlow,
}: {
  flows: ManualFlow[];
  onRunFlow: (flowId: string) => void;
  bulk: Bulk;
  count: number;
  people: { value: string; label: string }[];
  onClose: () => void;
  onAssign: (to: string) => void;
  onTag: (tags: string[]) => void;
  onDelete: () => void;
}) {
  const [to, setTo] = useState<string | null>(null);
  const [tags, setTags] = useState<string[]>([]);
  const [flow, setFlow] = useState<string | null>(null);
  const title = { assign: 'Assign', tag: 'Tag', delete: 'Delete', flow: 'Run a flow on' }[bulk ?? 'assign'];
  return (
    <Modal opened={bulk !== null} onClose={onClose} title={`${title} ${count} records`}>
      <Stack>
        {bulk === 'assign' && (
          <>
            <Select label="Assign to" data={people} value={to} onChange={setTo} searchable />
            <Button disabled={!to} onClick={() => to && onAssign(to)}>
              Assign
            </Button>
          </>
        )}
        {bulk === 'tag' && (
          <>
            <TagsInput label="Tags to add" value={tags} onChange={setTags} />
            <Button disabled={tags.length === 0} onClick={() => onTag(tags)}>
              Add tags
            </Button>
          </>
        )}
        {bulk === 'flow' && (
          <>
            <Select
              label="Flow"
              data={flows.map((f) => ({ value: f.id, label: f.name }))}
              value={flow}
              onChange={setFlow}
            />
            <Button disabled={!flow} onClick={() => flow && onRunFlow(flow)}>
              Run
            </Button>
          </>
        )}
        {bulk === 'delete' && (
          <>
            <Text>Delete {count} records? This cannot be undone.</Text>
            <Button color="red" onClick={onDelete}>
              Delete {count} records
            </Button>
          </>
        )}
      </Stack>
    </Modal>
  );
}
