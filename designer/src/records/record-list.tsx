/**
 * A module's records: search, filters, sort by header, column chooser, load more, and mass
 * actions on the selected rows or on every record matching the filter (`bulk-actions.tsx`).
 */
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Loader,
  Menu,
  ScrollArea,
  Stack,
  Table,
  TextInput,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue, useLocalStorage } from '@mantine/hooks';
import { useEffect, useMemo, useState } from 'react';
import { api, can, type Page } from '../api.ts';
import { useCurrentUser } from '../app/current-user.ts';
import { done, fail, type ModuleDef, type RecordRow, usePaged } from '../console/console-api.ts';
import { AddToListModal, SaveFilterModal } from '../lists/add-to-list.tsx';
import { navigate } from '../router.ts';
import {
  type BulkAction,
  BulkBar,
  BulkModal,
  type BulkResult,
  BulkResultAlert,
  type BulkTarget,
  type ManualFlow,
  resultLine,
  runBulk,
  SelectAllBanner,
} from './bulk-actions.tsx';
import { displayValue, useAssignees } from './field-input.tsx';
import { useRecordChanges } from './record-changes.ts';
import { WhereFilter } from './where-filter.tsx';
import { type Condition, toWhere } from './where-rules.ts';

function defaultColumns(module: ModuleDef): string[] {
  const own = module.fields.filter((f) => !f.system).map((f) => f.name);
  return [...new Set([...module.displayFields, ...own])].slice(0, 5).concat('assignedTo', 'updatedAt');
}

/**
 * Published manual and macro flows on this module (X2CRM macros) for admins; for other users
 * the macros their roles may run.
 */
function useManualFlows(module: string, admin: boolean): ManualFlow[] {
  const [flows, setFlows] = useState<ManualFlow[]>([]);
  useEffect(() => {
    if (!admin) {
      api<{ items: ManualFlow[] }>('GET', `/macros?module=${module}`).then(
        (answer) => setFlows(answer.items),
        () => setFlows([]),
      );
      return;
    }
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
              (f.triggerType === 'trigger.manual' || f.triggerType === 'trigger.macro') &&
              f.triggerModule === module &&
              f.publishedVersion !== null,
          ),
        ),
      () => setFlows([]),
    );
  }, [module, admin]);
  return flows;
}

/** How many records the list's filter matches, asked only once the list has more than one page. */
function useMatchingCount(module: string, filter: string, needed: boolean, version: number): number | null {
  const [count, setCount] = useState<number | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: version forces a recount
  useEffect(() => {
    setCount(null);
    if (!needed) return;
    let live = true;
    api<{ count: number }>('GET', `/records/${module}/count${filter ? `?${filter}` : ''}`).then(
      (answer) => live && setCount(answer.count),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [module, filter, needed, version]);
  return count;
}

export function RecordList({ module, canRunFlows }: { module: ModuleDef; canRunFlows: boolean }) {
  const me = useCurrentUser();
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
  // "Select all N matching": the target is the filter, not the ids.
  const [allMatching, setAllMatching] = useState(false);
  const [bulk, setBulk] = useState<BulkAction | null>(null);
  const [outcome, setOutcome] = useState<{ action: BulkAction; result: BulkResult } | null>(null);
  const [listDialog, setListDialog] = useState<'add' | 'save' | null>(null);
  const people = useAssignees();
  const flows = useManualFlows(module.name, canRunFlows);

  const shown = columns.filter((name) => module.fields.some((f) => f.name === name));
  const where = useMemo(() => toWhere(applied, module.fields), [applied, module]);
  const filter = useMemo(() => {
    const query = new URLSearchParams();
    if (q) query.set('q', q);
    if (where) query.set('where', JSON.stringify(where));
    return query.toString();
  }, [q, where]);
  const path = `/records/${module.name}?${new URLSearchParams({ limit: '50', sort })}${filter ? `&${filter}` : ''}`;
  const { items, error, status, hasMore, more, reload } = usePaged<RecordRow>(path);
  const [changes, setChanges] = useState(0);
  const matching = useMatchingCount(module.name, filter, hasMore && items !== null, changes);
  // Records changed elsewhere (a flow, an import, another person): a list showing one of them,
  // or one that may now hold a new record or have lost one, reads its first page again.
  useRecordChanges(module.name, (change) => {
    const shownIds = new Set(items?.map((row) => row.id));
    if (
      change.ids === null ||
      change.created ||
      change.deleted ||
      change.ids.some((id) => shownIds.has(id))
    ) {
      setChanges((n) => n + 1);
      reload();
    }
  });

  // A new filter or search is a new list: what was selected in the old one is not carried over.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the filter is the trigger
  useEffect(() => {
    setSelected(new Set());
    setAllMatching(false);
  }, [module.name, filter]);

  const toggleSort = (name: string) => setSort(sort === name ? `-${name}` : name);
  const isSelected = (id: string) => allMatching || selected.has(id);
  const toggle = (id: string) => {
    // Unticking one row of "all matching" leaves the other loaded rows, by id.
    const current = allMatching ? new Set(items?.map((r) => r.id)) : selected;
    const next = new Set(current);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setAllMatching(false);
    setSelected(next);
  };
  const all = items !== null && items.length > 0 && items.every((r) => isSelected(r.id));
  const count = allMatching ? (matching ?? 0) : selected.size;

  const run = async (params: Record<string, unknown>) => {
    if (!bulk) return;
    const action = bulk;
    const target: BulkTarget = allMatching
      ? { ...(where ? { where } : {}), ...(q ? { search: q } : {}) }
      : { ids: [...selected] };
    setBulk(null);
    const result = await runBulk(module.name, action, target, params).catch(fail);
    if (!result) return;
    setOutcome({ action, result });
    if (result.succeeded === result.matched) done(resultLine(action, result));
    setSelected(new Set());
    setAllMatching(false);
    setChanges((n) => n + 1);
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
          {can(me, module.name, 'create') && (
            <Button onClick={() => navigate(`/records/${module.name}/new`)}>New {module.itemName}</Button>
          )}
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
        <WhereFilter module={module.name} fields={module.fields} conditions={draft} onChange={setDraft} />
        {draft.length > 0 && (
          <Button size="xs" mt={4} onClick={() => setApplied(draft)}>
            Apply filters
          </Button>
        )}
        {where !== undefined && (
          <Button size="xs" mt={4} variant="default" onClick={() => setListDialog('save')}>
            Save filter as list
          </Button>
        )}
      </Group>
      {outcome && (
        <BulkResultAlert
          action={outcome.action}
          result={outcome.result}
          module={module.name}
          onClose={() => setOutcome(null)}
        />
      )}
      {count > 0 && (
        <BulkBar
          count={count}
          canRunFlows={flows.length > 0}
          onPick={setBulk}
          onAddToList={() => setListDialog('add')}
          addToListBlocked={
            allMatching
              ? 'A static list takes the ticked records: tick them on the page, or save the filter as a dynamic list.'
              : null
          }
        />
      )}
      {((all && hasMore) || allMatching) && (
        <SelectAllBanner
          pageCount={items?.length ?? 0}
          matching={matching}
          allMatching={allMatching}
          onSelectAll={() => setAllMatching(true)}
          onClear={() => {
            setSelected(new Set());
            setAllMatching(false);
          }}
        />
      )}
      {error && status === 403 ? (
        <Alert color="orange" title={`Your role does not let you see ${module.label.toLowerCase()}`}>
          Ask an administrator if you need them.
        </Alert>
      ) : error && status === 400 ? (
        <Alert color="red" title="The list could not be loaded">
          {error} — check the filters (each needs a field and a value of the field's type) and try again.
        </Alert>
      ) : (
        error && (
          <Alert color="red" title="The list could not be loaded">
            {error}
          </Alert>
        )
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
        // Scrolls both ways in its own box (not a Table.ScrollContainer: the sticky header needs
        // the vertical scroller); each column keeps a readable width on a phone.
        <ScrollArea style={{ flex: 1 }}>
          <Table
            striped
            highlightOnHover
            stickyHeader
            miw={36 + shown.length * 140}
            data-testid="records-table"
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={36}>
                  <Checkbox
                    aria-label="Select all"
                    checked={all}
                    onChange={() => {
                      setAllMatching(false);
                      setSelected(all ? new Set() : new Set(items?.map((r) => r.id)));
                    }}
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
                      checked={isSelected(record.id)}
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
      {listDialog === 'add' && (
        <AddToListModal
          module={module}
          ids={[...selected]}
          onClose={() => setListDialog(null)}
          onDone={() => {
            setListDialog(null);
            setSelected(new Set());
          }}
        />
      )}
      {listDialog === 'save' && (
        <SaveFilterModal module={module} where={where} search={q} onClose={() => setListDialog(null)} />
      )}
      <BulkModal
        action={bulk}
        count={count}
        module={module}
        people={people}
        flows={flows}
        onClose={() => setBulk(null)}
        onRun={run}
      />
    </Stack>
  );
}
