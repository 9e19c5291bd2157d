/**
 * Studio's JSON tab: the module's fields (definition-json.tsx: preview, then apply), and, as
 * JSON documents saved through their own endpoints, any dropdown and the module's layouts
 * (json-document.tsx). Loaded lazily, Monaco with it.
 */
import { SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import DefinitionJson from './definition-json.tsx';
import { JsonDocument } from './json-document.tsx';

interface Named {
  id: string;
  name: string;
  kind?: string;
}

/** What the JSON of a dropdown holds: what PATCH /api/dropdowns/:id takes. */
const dropdownKeys = ['name', 'options', 'multi', 'parentId', 'dependencies'] as const;
/** What the JSON of a layout holds: what PUT /api/modules/:module/layouts/:id takes. */
const layoutKeys = ['name', 'sections'] as const;

const pick = (value: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(
    keys.filter((key) => key in value && value[key] !== undefined).map((key) => [key, value[key]]),
  );

function useNamed(path: string | null): Named[] {
  const [items, setItems] = useState<Named[]>([]);
  useEffect(() => {
    if (!path) return;
    let live = true;
    api<{ items: Named[] }>('GET', path).then(
      (page) => live && setItems(page.items),
      () => live && setItems([]),
    );
    return () => {
      live = false;
    };
  }, [path]);
  return items;
}

export default function StudioJson({ name }: { name: string }) {
  const [what, setWhat] = useState<'fields' | 'dropdowns' | 'layouts'>('fields');
  const [dropdownId, setDropdownId] = useState<string | null>(null);
  const [layoutId, setLayoutId] = useState<string | null>(null);
  const dropdowns = useNamed(what === 'dropdowns' ? '/dropdowns?limit=500' : null);
  const layouts = useNamed(what === 'layouts' ? `/modules/${name}/layouts?limit=200` : null);
  return (
    <Stack gap="xs" p="md">
      <SegmentedControl
        w={360}
        size="xs"
        value={what}
        onChange={(value) => setWhat(value as typeof what)}
        data={[
          { value: 'fields', label: 'Fields' },
          { value: 'dropdowns', label: 'Dropdowns' },
          { value: 'layouts', label: 'Layouts' },
        ]}
      />
      {what === 'fields' && <DefinitionJson name={name} />}
      {what === 'dropdowns' && (
        <>
          <Select
            w={320}
            label="Dropdown"
            placeholder="Pick a dropdown"
            searchable
            data={dropdowns.map((d) => ({ value: d.id, label: d.name }))}
            value={dropdownId}
            onChange={setDropdownId}
          />
          {dropdownId && (
            <JsonDocument
              key={dropdownId}
              uri={`weft://dropdown/${dropdownId}.json`}
              testId="dropdown-json"
              load={async () =>
                pick(await api<Record<string, unknown>>('GET', `/dropdowns/${dropdownId}`), dropdownKeys)
              }
              save={(value) => api('PATCH', `/dropdowns/${dropdownId}`, value)}
            />
          )}
        </>
      )}
      {what === 'layouts' && (
        <>
          {layouts.length === 0 && (
            <Text size="sm" c="dimmed">
              This module has no saved layout yet: make one on the Layouts tab.
            </Text>
          )}
          <Select
            w={320}
            label="Layout"
            placeholder="Pick a layout"
            data={layouts.map((l) => ({ value: l.id, label: l.kind ? `${l.name} (${l.kind})` : l.name }))}
            value={layoutId}
            onChange={setLayoutId}
          />
          {layoutId && (
            <JsonDocument
              key={layoutId}
              uri={`weft://layout/${name}-${layoutId}.json`}
              testId="layout-json"
              load={async () =>
                pick(
                  await api<Record<string, unknown>>('GET', `/modules/${name}/layouts/${layoutId}`),
                  layoutKeys,
                )
              }
              save={(value) => api('PUT', `/modules/${name}/layouts/${layoutId}`, value)}
            />
          )}
        </>
      )}
    </Stack>
  );
}
