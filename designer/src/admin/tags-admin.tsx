/** The tag manager: every tag with its record count; rename, merge, delete one, delete all. */
import { Button, Checkbox, Group, Modal, Stack, Table, Text, TextInput } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { done, fail } from '../console/console-api.ts';

interface TagCount {
  tag: string;
  count: number;
}

type Dialog =
  | { kind: 'rename'; tag: string }
  | { kind: 'merge'; tags: string[] }
  | { kind: 'delete'; tag: string; count: number }
  | { kind: 'deleteAll' };

const records = (n: number) => `${n} record${n === 1 ? '' : 's'}`;

export function TagsAdmin() {
  const [tags, setTags] = useState<TagCount[] | null>(null);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [name, setName] = useState('');
  const reload = useCallback(() => {
    api<{ items: TagCount[] }>('GET', '/tags').then((page) => {
      setTags(page.items);
      setPicked(new Set());
    }, fail);
  }, []);
  useEffect(reload, [reload]);

  const open = (next: Dialog) => {
    setName(next.kind === 'rename' ? next.tag : next.kind === 'merge' ? (next.tags[0] ?? '') : '');
    setDialog(next);
  };
  const finish = (message: string) => {
    done(message);
    setDialog(null);
    reload();
  };
  const confirm = () => {
    if (!dialog) return;
    const enc = encodeURIComponent;
    if (dialog.kind === 'rename')
      api<{ records: number; merged: boolean }>('POST', `/tags/${enc(dialog.tag)}/rename`, { to: name }).then(
        (r) =>
          finish(
            `#${dialog.tag} ${r.merged ? 'merged into' : 'renamed to'} #${name} on ${records(r.records)}`,
          ),
        fail,
      );
    else if (dialog.kind === 'merge')
      api<{ records: number }>('POST', '/tags/merge', { tags: dialog.tags, into: name }).then(
        (r) => finish(`Merged into #${name} on ${records(r.records)}`),
        fail,
      );
    else if (dialog.kind === 'delete')
      api<{ records: number }>('DELETE', `/tags/${enc(dialog.tag)}`).then(
        (r) => finish(`#${dialog.tag} removed from ${records(r.records)}`),
        fail,
      );
    else
      api<{ tags: number; records: number }>('DELETE', `/tags?confirm=${tags?.length ?? 0}`).then(
        (r) => finish(`${r.tags} tags removed from ${records(r.records)}`),
        fail,
      );
  };

  const toggle = (tag: string) =>
    setPicked((current) => {
      const next = new Set(current);
      if (next.has(tag)) next.delete(tag);
      else next.add(tag);
      return next;
    });

  const title =
    dialog?.kind === 'rename'
      ? `Rename #${dialog.tag}`
      : dialog?.kind === 'merge'
        ? `Merge ${dialog.tags.length} tags`
        : dialog?.kind === 'delete'
          ? `Delete #${dialog.tag}?`
          : 'Delete every tag?';

  return (
    <Stack gap="xs" data-testid="tag-manager" maw={720}>
      <Group>
        <Button
          size="xs"
          variant="light"
          disabled={picked.size < 2}
          onClick={() => open({ kind: 'merge', tags: [...picked] })}
        >
          Merge selected
        </Button>
        <Button
          size="xs"
          variant="subtle"
          color="red"
          disabled={!tags?.length}
          onClick={() => open({ kind: 'deleteAll' })}
        >
          Delete all tags
        </Button>
      </Group>
      {tags?.length === 0 && <Text c="dimmed">No record has a tag.</Text>}
      {tags && tags.length > 0 && (
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={40} />
              <Table.Th>Tag</Table.Th>
              <Table.Th>Records</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tags.map((t) => (
              <Table.Tr key={t.tag} data-testid={`tag-row-${t.tag}`}>
                <Table.Td>
                  <Checkbox
                    aria-label={`Select #${t.tag}`}
                    checked={picked.has(t.tag)}
                    onChange={() => toggle(t.tag)}
                  />
                </Table.Td>
                <Table.Td>#{t.tag}</Table.Td>
                <Table.Td>{t.count}</Table.Td>
                <Table.Td>
                  <Group gap={4} justify="flex-end">
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      onClick={() => open({ kind: 'rename', tag: t.tag })}
                    >
                      Rename
                    </Button>
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      onClick={() => open({ kind: 'delete', tag: t.tag, count: t.count })}
                    >
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={dialog !== null} onClose={() => setDialog(null)} title={title}>
        <Stack gap="sm">
          {dialog?.kind === 'rename' && (
            <>
              <TextInput
                label="New name"
                value={name}
                onChange={(e) => setName(e.target.value)}
                data-autofocus
              />
              <Text size="sm" c="dimmed">
                Renaming onto a tag already in use merges the two.
              </Text>
            </>
          )}
          {dialog?.kind === 'merge' && (
            <>
              <Text size="sm">{dialog.tags.map((t) => `#${t}`).join(', ')}</Text>
              <TextInput label="Merge into" value={name} onChange={(e) => setName(e.target.value)} />
            </>
          )}
          {dialog?.kind === 'delete' && (
            <Text size="sm">
              #{dialog.tag} will be removed from {records(dialog.count)}.
            </Text>
          )}
          {dialog?.kind === 'deleteAll' && (
            <Text size="sm">
              All {tags?.length} tags will be removed from every record (
              {records(tags?.reduce((n, t) => n + t.count, 0) ?? 0)} tagged). This cannot be undone.
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDialog(null)}>
              Cancel
            </Button>
            <Button
              color={dialog?.kind === 'delete' || dialog?.kind === 'deleteAll' ? 'red' : undefined}
              disabled={
                (dialog?.kind === 'rename' || dialog?.kind === 'merge') &&
                name.trim().replace(/^#/, '') === ''
              }
              onClick={confirm}
            >
              {dialog?.kind === 'rename' ? 'Rename' : dialog?.kind === 'merge' ? 'Merge' : 'Delete'}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
