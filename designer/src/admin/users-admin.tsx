/**
 * Users: create, invite by email (and resend), edit, deactivate / reactivate, reset password, their sessions,
 * delete with reassignment; export as CSV, import through the import wizard.
 */
import {
  Button,
  Checkbox,
  Group,
  Modal,
  PasswordInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { type AdminUser, fullName, type Role, type Group as UserGroup, useAll } from './admin-data.ts';
import { MembershipFields, NameFields } from './user-fields.tsx';
import { InviteDialog, StatusBadge } from './user-invite.tsx';
import { UserSessionsDialog } from './user-sessions.tsx';

type Dialog =
  | { kind: 'edit'; user: AdminUser | null }
  | { kind: 'invite' }
  | { kind: 'password'; user: AdminUser }
  | { kind: 'delete'; user: AdminUser }
  | { kind: 'sessions'; user: AdminUser }
  | null;

export function UsersAdmin() {
  const [users, reload] = useAll<AdminUser>('/users');
  const [roles] = useAll<Role>('/roles');
  const [groups] = useAll<UserGroup>('/groups');
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);
  const roleName = (id: string) => roles?.find((r) => r.id === id)?.name ?? '…';

  const setActive = (user: AdminUser, active: boolean) =>
    api('PATCH', `/users/${user.id}`, { active }).then(() => {
      done(active ? `${user.username} can sign in again` : `${user.username} is deactivated`);
      reload();
    }, fail);

  const resend = (user: AdminUser) =>
    api('POST', `/users/${user.id}/invitation`).then(() => {
      done(`A new invitation went to ${user.email}; the earlier link no longer works`);
      reload();
    }, fail);

  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          Deactivated users cannot sign in and their API tokens are revoked; their records stay theirs.
          Deleting hands everything they own to another user.
        </Text>
        <Group gap="xs">
          <Button variant="default" component="a" href="/api/users/export" download>
            Export users
          </Button>
          <Button variant="default" onClick={() => navigate('/imports?module=users')}>
            Import users
          </Button>
          <Button variant="light" onClick={() => setDialog({ kind: 'invite' })}>
            Invite user
          </Button>
          <Button onClick={() => setDialog({ kind: 'edit', user: null })}>New user</Button>
        </Group>
      </Group>
      <Table.ScrollContainer minWidth={640}>
        <Table striped data-testid="users-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Username</Table.Th>
              <Table.Th>Name</Table.Th>
              <Table.Th>Roles</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users?.map((user) => (
              <Table.Tr key={user.id}>
                <Table.Td>{user.username}</Table.Td>
                <Table.Td>{fullName(user)}</Table.Td>
                <Table.Td>{user.roleIds.map(roleName).join(', ') || '—'}</Table.Td>
                <Table.Td>
                  <StatusBadge user={user} />
                </Table.Td>
                <Table.Td>
                  <Group gap={4} justify="flex-end">
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      onClick={() => setDialog({ kind: 'edit', user })}
                    >
                      Edit
                    </Button>
                    {user.status === 'invited' ? (
                      <Button size="compact-xs" variant="subtle" onClick={() => resend(user)}>
                        Resend invitation
                      </Button>
                    ) : (
                      <>
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          onClick={() => setDialog({ kind: 'password', user })}
                        >
                          Reset password
                        </Button>
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          onClick={() => setDialog({ kind: 'sessions', user })}
                        >
                          Sessions
                        </Button>
                        <Button
                          size="compact-xs"
                          variant="subtle"
                          onClick={() => setActive(user, !user.active)}
                        >
                          {user.active ? 'Deactivate' : 'Reactivate'}
                        </Button>
                      </>
                    )}
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      color="red"
                      onClick={() => setDialog({ kind: 'delete', user })}
                    >
                      Delete
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {dialog?.kind === 'edit' && (
        <UserDialog
          user={dialog.user}
          roles={roles ?? []}
          groups={groups ?? []}
          onClose={close}
          onSaved={() => {
            close();
            reload();
          }}
        />
      )}
      {dialog?.kind === 'invite' && (
        <InviteDialog
          roles={roles ?? []}
          groups={groups ?? []}
          onClose={close}
          onInvited={() => {
            close();
            reload();
          }}
        />
      )}
      {dialog?.kind === 'password' && <PasswordDialog user={dialog.user} onClose={close} />}
      {dialog?.kind === 'sessions' && <UserSessionsDialog user={dialog.user} onClose={close} />}
      {dialog?.kind === 'delete' && (
        <DeleteDialog
          user={dialog.user}
          others={(users ?? []).filter((u) => u.id !== dialog.user.id && u.active)}
          onClose={close}
          onDeleted={() => {
            close();
            reload();
          }}
        />
      )}
    </Stack>
  );
}

function UserDialog({
  user,
  roles,
  groups,
  onClose,
  onSaved,
}: {
  user: AdminUser | null;
  roles: Role[];
  groups: UserGroup[];
  onClose: () => void;
  onSaved: () => void;
}) {
  const [values, setValues] = useState({
    username: user?.username ?? '',
    password: '',
    firstName: user?.firstName ?? '',
    lastName: user?.lastName ?? '',
    email: user?.email ?? '',
    title: user?.title ?? '',
    roleIds: user?.roleIds ?? [],
    groupIds: user?.groupIds ?? [],
    available: user?.available ?? true,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (patch: Partial<typeof values>) => setValues((current) => ({ ...current, ...patch }));
  const save = async () => {
    const { username, password, available, ...profile } = values;
    const body = {
      ...profile,
      email: profile.email || null,
      title: profile.title || null,
      ...(user ? { available } : { username, password }),
    };
    try {
      await api(user ? 'PATCH' : 'POST', user ? `/users/${user.id}` : '/users', body);
      done(user ? 'User saved' : `${username} created`);
      onSaved();
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      if (Object.keys(byField).length === 0) fail(error);
    }
  };
  return (
    <Modal opened onClose={onClose} title={user ? `Edit ${user.username}` : 'New user'}>
      <Stack gap="xs">
        {!user && (
          <>
            <TextInput
              label="Username"
              required
              value={values.username}
              error={errors.username}
              onChange={(e) => set({ username: e.target.value })}
            />
            <PasswordInput
              label="Password"
              description="At least 8 characters"
              required
              value={values.password}
              error={errors.password}
              onChange={(e) => set({ password: e.target.value })}
            />
          </>
        )}
        <NameFields values={values} errors={errors} set={set} />
        <TextInput
          label="Email"
          value={values.email}
          error={errors.email}
          onChange={(e) => set({ email: e.target.value })}
        />
        <TextInput
          label="Title"
          value={values.title}
          error={errors.title}
          onChange={(e) => set({ title: e.target.value })}
        />
        <MembershipFields roles={roles} groups={groups} values={values} errors={errors} set={set} />
        {user && (
          <Checkbox
            label="Available for lead routing"
            checked={values.available}
            onChange={(e) => set({ available: e.currentTarget.checked })}
          />
        )}
        <Button onClick={save}>{user ? 'Save' : 'Create user'}</Button>
      </Stack>
    </Modal>
  );
}

function PasswordDialog({ user, onClose }: { user: AdminUser; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const reset = () =>
    api('POST', `/users/${user.id}/password`, { password }).then(
      () => {
        done(`Password reset; ${user.username}'s sessions were ended and API tokens revoked`);
        onClose();
      },
      (e) => setError(fieldErrors(e).password ?? (e as Error).message),
    );
  return (
    <Modal opened onClose={onClose} title={`Reset ${user.username}'s password`}>
      <Stack gap="xs">
        <PasswordInput
          label="New password"
          description="At least 8 characters. Their open sessions end and their API tokens are revoked."
          value={password}
          error={error}
          onChange={(e) => setPassword(e.target.value)}
        />
        <Button onClick={reset}>Reset password</Button>
      </Stack>
    </Modal>
  );
}

function DeleteDialog({
  user,
  others,
  onClose,
  onDeleted,
}: {
  user: AdminUser;
  others: AdminUser[];
  onClose: () => void;
  onDeleted: () => void;
}) {
  const [to, setTo] = useState<string | null>(null);
  const remove = () =>
    api('DELETE', `/users/${user.id}`, { reassignTo: to }).then(() => {
      done(`${user.username} deleted`);
      onDeleted();
    }, fail);
  return (
    <Modal opened onClose={onClose} title={`Delete ${user.username}`}>
      <Stack gap="xs">
        <Text size="sm">
          Their records, flows and routing rules go to the user you choose, in one step. To keep them out
          without moving anything, deactivate them instead.
        </Text>
        <Select
          label="Give everything they own to"
          data={others.map((u) => ({ value: u.id, label: `${fullName(u)} (@${u.username})` }))}
          value={to}
          onChange={setTo}
          searchable
        />
        <Button color="red" disabled={!to} onClick={remove}>
          Delete and reassign
        </Button>
      </Stack>
    </Modal>
  );
}
