/** A role's field-level permissions: per module, each field editable, read-only or hidden. */
import { Button, Group, Paper, SegmentedControl, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { done, fail, useModules } from '../console/console-api.ts';

type Access = 'editable' | 'readOnly' | 'hidden';
interface Rule {
  module: string;
  field: string;
  access: Exclude<Access, 'editable'>;
}

const choices = [
  { value: 'editable', label: 'Editable' },
  { value: 'readOnly', label: 'Read-only' },
  { value: 'hidden', label: 'Hidden' },
];

export function FieldAccessEditor({ roleId, roleName }: { roleId: string; roleName: string }) {
  const modules = useModules();
  const [module, setModule] = useState<string | null>('contacts');
  const [rules, setRules] = useState<Rule[] | null>(null);
  useEffect(() => {
    api<{ items: Rule[] }>('GET', `/roles/${roleId}/field-permissions`).then(
      (answer) => setRules(answer.items),
      fail,
    );
  }, [roleId]);
  const definition = modules?.find((m) => m.name === module);
  const accessOf = (field: string): Access =>
    rules?.find((rule) => rule.module === module && rule.field === field)?.access ?? 'editable';
  const set = (field: string, access: Access) =>
    setRules((current) => [
      ...(current ?? []).filter((rule) => !(rule.module === module && rule.field === field)),
      ...(access === 'editable' || !module ? [] : [{ module, field, access }]),
    ]);
  const save = () =>
    api<{ items: Rule[] }>('PUT', `/roles/${roleId}/field-permissions`, { rules: rules ?? [] }).then(
      (answer) => {
        setRules(answer.items);
        done(`Field access of ${roleName} saved`);
      },
      fail,
    );
  return (
    <Paper withBorder p="md" data-testid="field-access">
      <Stack gap="sm">
        <Title order={5}>Field access</Title>
        <Text size="sm" c="dimmed">
          Hidden fields are left out of what users of this role read, search, filter, sort and export;
          read-only fields are shown but cannot be changed. A user with several roles gets the most open
          access any of them gives.
        </Text>
        <Select
          label="Module"
          w={260}
          data={(modules ?? []).map((m) => ({ value: m.name, label: m.label }))}
          value={module}
          onChange={setModule}
        />
        {definition && rules && (
          <Table>
            <Table.Tbody>
              {definition.fields
                .filter((field) => field.name !== 'id')
                .map((field) => (
                  <Table.Tr key={field.name}>
                    <Table.Td>{field.label}</Table.Td>
                    <Table.Td>
                      <SegmentedControl
                        size="xs"
                        aria-label={`Access to ${field.label}`}
                        data={choices}
                        value={accessOf(field.name)}
                        onChange={(value) => set(field.name, value as Access)}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        )}
        <Group>
          <Button onClick={save} disabled={!rules}>
            Save field access
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
