/** Groups and their members. */
import { Button, Group, MultiSelect, Paper, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';
import { type AdminUser, fullName, type Group as UserGroup, useAll } from './admin-data.ts';

export function GroupsAdmin() {
  const [groups, reload] = useAll<UserGroup>('/groups');
  const [users] = useAll<AdminUser>('/users');
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const people = (users ?? []).map((u) => ({ value: u.id, label: `${fullName(u)} (@${u.username})` }));

  const create = () =>
    api('POST', '/groups', { name }).then(
      () => {
        setName('');
        setError(undefined);
        reload();
      },
      (e) => setError(fieldErrors(e).name ?? (e as Error).message),
    );
  const setMembers = (group: UserGroup, memberIds: string[]) =>
    api('PATCH', `/groups/${group.id}`, { memberIds }).then(reload, fail);
  const remove = (group: UserGroup) => {
    if (!window.confirm(`Delete the group ${group.name}?`)) return;
    api('DELETE', `/groups/${group.id}`).then(() => {
      done('Group deleted');
      reload();
    }, fail);
  };

  return (
    <Stack gap="sm" maw={800}>
      <Group align="flex-end">
        <TextInput
          label="New group"
          placeholder="Sales East"
          value={name}
          error={error}
          onChange={(e) => setName(e.target.value)}
        />
        <Button disabled={!name.trim()} onClick={create}>
          Create group
        </Button>
      </Group>
      {groups?.length === 0 && (
        <Text c="dimmed">
          No groups yet. Groups let roles grant “records of my groups” and routing pick a team.
        </Text>
      )}
      {groups?.map((group) => (
        <Paper key={group.id} withBorder p="sm">
          <Group justify="space-between" mb="xs">
            <Text fw={600}>{group.name}</Text>
            <Button size="compact-xs" variant="subtle" color="red" onClick={() => remove(group)}>
              Delete
            </Button>
          </Group>
          <MultiSelect
            aria-label={`Members of ${group.name}`}
            placeholder="Add members"
            data={people}
            value={group.memberIds}
            onChange={(ids) => setMembers(group, ids)}
            searchable
          />
        </Paper>
      ))}
    </Stack>
  );
}
