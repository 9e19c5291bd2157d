/** Roles and their permission matrix: module × action → none / own / groups / all, or administrator. */
import {
  Button,
  Checkbox,
  Flex,
  Group,
  NavLink,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import { done, fail, fieldErrors, useModules } from '../console/console-api.ts';
import { type Permissions, type Role, type Scope, useAll } from './admin-data.ts';
import { FieldAccessEditor } from './field-access-admin.tsx';

const actions = ['view', 'create', 'update', 'delete'] as const;
const scopes: Scope[] = ['none', 'own', 'groups', 'all'];

export function RolesAdmin() {
  const [roles, reload] = useAll<Role>('/roles');
  const [selected, setSelected] = useState<string | 'new' | null>(null);
  const role = roles?.find((r) => r.id === selected) ?? null;
  return (
    // The role list goes above the editor on a phone.
    <Flex direction={{ base: 'column', xs: 'row' }} align="flex-start" gap="md">
      <Stack w={{ base: '100%', xs: 220 }} gap={2} style={{ flexShrink: 0 }}>
        {roles?.map((r) => (
          <NavLink
            component="button"
            key={r.id}
            label={r.name}
            description={`${r.userCount} users`}
            active={r.id === selected}
            onClick={() => setSelected(r.id)}
          />
        ))}
        <Button variant="light" mt="xs" onClick={() => setSelected('new')}>
          New role
        </Button>
      </Stack>
      {selected === null ? (
        <Text c="dimmed">Choose a role to edit its permissions, or create one.</Text>
      ) : (
        <Stack gap="md" style={{ flex: 1, minWidth: 0 }}>
          <RoleEditor
            key={selected}
            role={role}
            onSaved={(saved) => {
              reload();
              setSelected(saved?.id ?? null);
            }}
          />
          {role && !role.isAdmin && (
            <FieldAccessEditor key={`fields-${role.id}`} roleId={role.id} roleName={role.name} />
          )}
        </Stack>
      )}
    </Flex>
  );
}

function RoleEditor({ role, onSaved }: { role: Role | null; onSaved: (role: Role | null) => void }) {
  const modules = useModules() ?? [];
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [isAdmin, setIsAdmin] = useState(role?.isAdmin ?? false);
  const [permissions, setPermissions] = useState<Permissions>(role?.permissions ?? {});
  const [errors, setErrors] = useState<Record<string, string>>({});

  const rows = ['*', ...modules.map((m) => m.name)];
  const scopeOf = (module: string, action: (typeof actions)[number]): Scope =>
    permissions[module]?.[action] ?? (module === '*' ? 'none' : (permissions['*']?.[action] ?? 'none'));
  const setScope = (module: string, action: (typeof actions)[number], scope: Scope) =>
    setPermissions((current) => ({ ...current, [module]: { ...current[module], [action]: scope } }));

  const save = async () => {
    const body = { name, description: description || null, isAdmin, permissions };
    try {
      const saved = await api<Role>(role ? 'PATCH' : 'POST', role ? `/roles/${role.id}` : '/roles', body);
      done('Role saved');
      onSaved(saved);
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      if (Object.keys(byField).length === 0) fail(error);
    }
  };
  const remove = () => {
    if (!role || !window.confirm(`Delete the role ${role.name}?`)) return;
    api('DELETE', `/roles/${role.id}`).then(() => onSaved(null), fail);
  };

  return (
    <Paper withBorder p="md" w="100%" style={{ flex: 1, minWidth: 0 }}>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Name"
            value={name}
            error={errors.name}
            onChange={(e) => setName(e.target.value)}
          />
          <TextInput
            label="Description"
            value={description}
            error={errors.description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </SimpleGrid>
        <Checkbox
          label="Administrator: every module, Studio and administration"
          checked={isAdmin}
          onChange={(e) => setIsAdmin(e.currentTarget.checked)}
        />
        {!isAdmin && (
          <Table.ScrollContainer minWidth={520}>
            <Table withTableBorder data-testid="permission-matrix">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Module</Table.Th>
                  {actions.map((action) => (
                    <Table.Th key={action}>{action}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((module) => (
                  <Table.Tr key={module}>
                    <Table.Td>
                      {module === '*' ? (
                        <Text size="sm" fw={600}>
                          Every other module
                        </Text>
                      ) : (
                        (modules.find((m) => m.name === module)?.label ?? module)
                      )}
                    </Table.Td>
                    {actions.map((action) => (
                      <Table.Td key={action}>
                        <Select
                          size="xs"
                          aria-label={`${module} ${action}`}
                          data={scopes}
                          value={scopeOf(module, action)}
                          onChange={(value) => value && setScope(module, action, value as Scope)}
                          allowDeselect={false}
                        />
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {errors.permissions && <Text c="red">{errors.permissions}</Text>}
        <Group>
          <Button onClick={save}>{role ? 'Save role' : 'Create role'}</Button>
          {role && (
            <Button variant="subtle" color="red" onClick={remove}>
              Delete role
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
