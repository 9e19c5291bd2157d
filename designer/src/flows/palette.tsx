import { Paper, ScrollArea, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { type CatalogEntry, paletteGroups } from '../model/catalog.ts';
import { dragType } from './flow-canvas.tsx';

interface Props {
  entries: readonly CatalogEntry[];
  /** Places a node of the type in view: the palette works without dragging too. */
  onPick: (type: string) => void;
  /** Put the caret in the search box (the "+" dialog). */
  autoFocus?: boolean;
}

export function Palette({ entries, onPick, autoFocus = false }: Props) {
  const [search, setSearch] = useState('');
  const groups = paletteGroups(entries, search);
  return (
    <Stack gap="xs" p="sm" h="100%" style={{ minHeight: 0 }}>
      <TextInput
        size="xs"
        placeholder="Search nodes"
        aria-label="Search nodes"
        data-autofocus={autoFocus || undefined}
        autoFocus={autoFocus}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
      />
      <ScrollArea style={{ flex: 1 }}>
        <Stack gap="md">
          {groups.map((group) => (
            <Stack key={group.category} gap={4}>
              <Text size="xs" fw={700} c="dimmed" tt="uppercase">
                {group.category}
              </Text>
              {group.entries.map((entry) => (
                <Paper
                  key={entry.type}
                  withBorder
                  px="xs"
                  py={6}
                  className="weft-palette-item"
                  draggable
                  data-testid={`palette-${entry.type}`}
                  title={`${entry.description ?? entry.type} (drag onto the canvas, or click to add)`}
                  role="button"
                  tabIndex={0}
                  onClick={() => onPick(entry.type)}
                  onKeyDown={(event) => {
                    if (event.key === 'Enter' || event.key === ' ') {
                      event.preventDefault();
                      onPick(entry.type);
                    }
                  }}
                  onDragStart={(event) => {
                    event.dataTransfer.setData(dragType, entry.type);
                    event.dataTransfer.effectAllowed = 'move';
                  }}
                >
                  <Text size="sm">{entry.title}</Text>
                </Paper>
              ))}
            </Stack>
          ))}
          {groups.length === 0 && (
            <Text size="sm" c="dimmed">
              No node matches.
            </Text>
          )}
        </Stack>
      </ScrollArea>
    </Stack>
  );
}
