/**
 * Ctrl+K (or the header's search button): pages, records of every module the user may view
 * and, for administrators, flows, as one list; arrows move, Enter opens.
 */
import {
  Badge,
  Group,
  Kbd,
  Loader,
  Modal,
  ScrollArea,
  Stack,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useMemo, useState } from 'react';
import { api } from '../api.ts';
import { navigate } from '../router.ts';
import { matchingPages } from './app-pages.ts';

interface Hit {
  kind: 'record' | 'flow';
  id: string;
  name: string;
  module?: string;
  moduleLabel?: string;
}

interface Entry {
  key: string;
  group: string;
  label: string;
  path: string;
}

export function GlobalSearch({
  opened,
  onClose,
  isAdmin,
}: {
  opened: boolean;
  onClose: () => void;
  isAdmin: boolean;
}) {
  const [query, setQuery] = useState('');
  const [q] = useDebouncedValue(query.trim(), 200);
  const [hits, setHits] = useState<Hit[]>([]);
  const [loading, setLoading] = useState(false);
  const [active, setActive] = useState(0);
  useEffect(() => {
    if (!opened) {
      setQuery('');
      setHits([]);
    }
  }, [opened]);
  useEffect(() => {
    // Results of an earlier query never stand in for this one's.
    setHits([]);
    if (!q) return;
    let live = true;
    setLoading(true);
    api<{ items: Hit[] }>('GET', `/search?q=${encodeURIComponent(q)}&limit=5`)
      .then(
        (answer) => {
          if (live) setHits(answer.items);
        },
        () => live && setHits([]),
      )
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [q]);
  const entries = useMemo<Entry[]>(
    () => [
      ...(q ? matchingPages(q, isAdmin) : []).map((page) => ({
        key: `page:${page.path}`,
        group: 'Pages',
        label: page.title,
        path: page.path,
      })),
      ...hits.map((hit) =>
        hit.kind === 'flow'
          ? { key: `flow:${hit.id}`, group: 'Flows', label: hit.name, path: `/flows/${hit.id}` }
          : {
              key: `record:${hit.id}`,
              group: hit.moduleLabel ?? 'Records',
              label: hit.name,
              path: `/records/${hit.module}/${hit.id}`,
            },
      ),
    ],
    [q, hits, isAdmin],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new result list starts at its first entry
  useEffect(() => setActive(0), [entries]);
  const open = (entry: Entry | undefined) => {
    if (!entry) return;
    onClose();
    navigate(entry.path);
  };
  const groups = [...new Set(entries.map((entry) => entry.group))];
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title="Search"
      size="lg"
      yOffset="10vh"
      data-testid="global-search"
    >
      <TextInput
        autoFocus
        data-autofocus
        placeholder="Records, flows, pages…"
        aria-label="Search everything"
        value={query}
        onChange={(event) => setQuery(event.currentTarget.value)}
        rightSection={loading ? <Loader size="xs" /> : null}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') setActive((i) => Math.min(i + 1, entries.length - 1));
          else if (event.key === 'ArrowUp') setActive((i) => Math.max(i - 1, 0));
          else if (event.key === 'Enter') open(entries[active]);
          else return;
          event.preventDefault();
        }}
      />
      <ScrollArea.Autosize mah="55vh" mt="sm">
        <Stack gap="xs" role="listbox" aria-label="Results">
          {groups.map((group) => (
            <Stack key={group} gap={2}>
              <Text size="xs" fw={700} c="dimmed" tt="uppercase">
                {group}
              </Text>
              {entries
                .filter((entry) => entry.group === group)
                .map((entry) => {
                  const index = entries.indexOf(entry);
                  return (
                    <UnstyledButton
                      key={entry.key}
                      role="option"
                      aria-selected={index === active}
                      onMouseEnter={() => setActive(index)}
                      onClick={() => open(entry)}
                      px="xs"
                      py={6}
                      style={{
                        borderRadius: 6,
                        background: index === active ? 'var(--mantine-color-indigo-light)' : undefined,
                      }}
                    >
                      <Text size="sm">{entry.label}</Text>
                    </UnstyledButton>
                  );
                })}
            </Stack>
          ))}
          {q && !loading && entries.length === 0 && (
            <Text size="sm" c="dimmed">
              Nothing matches "{q}".
            </Text>
          )}
          {!q && (
            <Group gap={6}>
              <Text size="sm" c="dimmed">
                Type a name: a contact, an account, a flow, a page.
              </Text>
              <Badge variant="light" size="sm">
                <Kbd size="xs">↑</Kbd> <Kbd size="xs">↓</Kbd> <Kbd size="xs">Enter</Kbd>
              </Badge>
            </Group>
          )}
        </Stack>
      </ScrollArea.Autosize>
    </Modal>
  );
}
