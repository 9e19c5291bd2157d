/** Studio: modules (/studio), one module's fields and layouts (/studio/<module>), dropdowns (/studio/dropdowns). */
import { Alert, Button, Group, Loader, Stack, Tabs, Text, Title } from '@mantine/core';
import { lazy, Suspense } from 'react';
import { api } from '../api.ts';
import { done, download, fail, reloadModules, useModules } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { DropdownEditor } from './dropdown-editor.tsx';
import { FieldsEditor } from './fields-editor.tsx';
import { LayoutEditor } from './layout-editor.tsx';
import { ModulesList } from './modules-list.tsx';

/** Monaco comes with it: loaded when the tab opens. */
const StudioJson = lazy(() => import('./studio-json.tsx'));

export function StudioPage({ rest }: { rest: string[] }) {
  const [name, tab = 'fields'] = rest;
  if (!name) return <ModulesList />;
  if (name === 'dropdowns') return <DropdownEditor />;
  return <ModuleStudio key={name} name={name} tab={tab} />;
}

function ModuleStudio({ name, tab }: { name: string; tab: string }) {
  const modules = useModules();
  const module = modules?.find((m) => m.name === name);
  if (!modules) return <Loader m="md" />;
  if (!module)
    return (
      <Alert m="md" color="red" title={`No module named “${name}”`}>
        <Button variant="subtle" onClick={() => navigate('/studio')}>
          Back to the modules
        </Button>
      </Alert>
    );

  const rename = () => {
    const label = window.prompt('New name (the identifier stays the same)', module.label);
    if (!label) return;
    api('PATCH', `/modules/${name}`, { label }).then(reloadModules, fail);
  };
  const remove = async () => {
    // The server deletes a module holding records only when told how many: ask, name them.
    const { count } = await api<{ count: number }>('GET', `/records/${name}/count`).catch(() => ({
      count: 0,
    }));
    const what =
      count === 0
        ? 'It holds no records.'
        : `Its ${count} record${count === 1 ? '' : 's'} will be deleted with it.`;
    if (!window.confirm(`Delete ${module.label}? ${what} This cannot be undone.`)) return;
    api('DELETE', `/modules/${name}?confirm=${count}`).then(async () => {
      await reloadModules();
      done(`${module.label} deleted`);
      navigate('/studio');
    }, fail);
  };
  const exportFile = () =>
    api('GET', `/modules/${name}/export`).then(
      (file) => download(`${name}.module.json`, JSON.stringify(file, null, 2)),
      fail,
    );

  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Group justify="space-between">
        <div>
          <Button variant="subtle" size="compact-sm" onClick={() => navigate('/studio')}>
            Studio
          </Button>
          <Title order={3}>{module.label}</Title>
          <Text size="xs" c="dimmed">
            {name} · {module.custom ? 'custom module' : 'standard module'}
          </Text>
        </div>
        <Group gap="xs">
          <Button variant="default" onClick={() => navigate(`/records/${name}`)}>
            Open records
          </Button>
          <Button variant="default" onClick={rename}>
            Rename
          </Button>
          {module.custom && (
            <Button variant="default" onClick={exportFile}>
              Export
            </Button>
          )}
          {module.custom && (
            <Button variant="light" color="red" onClick={remove}>
              Delete module
            </Button>
          )}
        </Group>
      </Group>
      <Tabs value={tab} onChange={(value) => value && navigate(`/studio/${name}/${value}`)}>
        <Tabs.List>
          <Tabs.Tab value="fields">Fields</Tabs.Tab>
          <Tabs.Tab value="layouts">Layouts</Tabs.Tab>
          <Tabs.Tab value="json">JSON</Tabs.Tab>
        </Tabs.List>
      </Tabs>
      {tab === 'layouts' ? (
        <LayoutEditor module={module} />
      ) : tab === 'json' ? (
        <Suspense fallback={<Loader m="md" />}>
          <StudioJson name={name} />
        </Suspense>
      ) : (
        <FieldsEditor module={module} />
      )}
    </Stack>
  );
}
