/** Every module; create one, or install a module file. */
import { Badge, Button, FileButton, Group, Modal, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import {
  done,
  fail,
  fieldErrors,
  type ModuleDef,
  reloadModules,
  useModules,
} from '../console/console-api.ts';
import { navigate } from '../router.ts';

export function ModulesList() {
  const modules = useModules() ?? [];
  const [creating, setCreating] = useState(false);
  const install = async (file: File | null) => {
    if (!file) return;
    try {
      const module = await api<ModuleDef>('POST', '/modules/import', JSON.parse(await file.text()));
      await reloadModules();
      done(`${module.label} installed`);
      navigate(`/studio/${module.name}`);
    } catch (error) {
      fail(
        error instanceof SyntaxError
          ? new Error('That file is not a module file (JSON) made by Export')
          : error,
      );
    }
  };
  return (
    <Stack p="md" gap="sm">
      <Group justify="space-between">
        <Title order={3}>Studio</Title>
        <Group gap="xs">
          <Button variant="default" onClick={() => navigate('/studio/dropdowns')}>
            Dropdowns
          </Button>
          <FileButton onChange={install} accept="application/json,.json">
            {(props) => (
              <Button variant="default" {...props}>
                Import module
              </Button>
            )}
          </FileButton>
          <Button onClick={() => setCreating(true)}>New module</Button>
        </Group>
      </Group>
      <Table.ScrollContainer minWidth={520}>
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Module</Table.Th>
              <Table.Th>Identifier</Table.Th>
              <Table.Th>Fields</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {modules.map((m) => (
              <Table.Tr
                key={m.name}
                style={{ cursor: 'pointer' }}
                onClick={() => navigate(`/studio/${m.name}`)}
              >
                <Table.Td>{m.label}</Table.Td>
                <Table.Td>
                  <Text ff="monospace" size="sm">
                    {m.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  {m.fields.length}
                  <Text span size="xs" c="dimmed">
                    {' '}
                    ({m.fields.filter((f) => f.system).length} standard)
                  </Text>
                </Table.Td>
                <Table.Td>{m.custom && <Badge variant="light">custom</Badge>}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {creating && <CreateModule onClose={() => setCreating(false)} />}
    </Stack>
  );
}

function CreateModule({ onClose }: { onClose: () => void }) {
  const [values, setValues] = useState({ label: '', name: '', itemName: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const derive = (label: string) =>
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^[^a-z]+|_+$/g, '')
      .slice(0, 40);
  const create = async () => {
    try {
      const body = { ...values, itemName: values.itemName || values.label };
      const module = await api<ModuleDef>('POST', '/modules', body);
      await reloadModules();
      done(`${module.label} created: now add its fields`);
      navigate(`/studio/${module.name}`);
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      if (Object.keys(byField).length === 0) fail(error);
    }
  };
  return (
    <Modal opened onClose={onClose} title="New module">
      <Stack gap="xs">
        <TextInput
          label="Name (plural)"
          placeholder="Projects"
          value={values.label}
          error={errors.label}
          onChange={(e) => setValues({ ...values, label: e.target.value, name: derive(e.target.value) })}
        />
        <TextInput
          label="Identifier"
          description="Lowercase letters, digits and _; cannot change later"
          value={values.name}
          error={errors.name}
          onChange={(e) => setValues({ ...values, name: e.target.value })}
        />
        <TextInput
          label="One item is called"
          placeholder="Project"
          value={values.itemName}
          error={errors.itemName}
          onChange={(e) => setValues({ ...values, itemName: e.target.value })}
        />
        <Button onClick={create}>Create module</Button>
      </Stack>
    </Modal>
  );
}
