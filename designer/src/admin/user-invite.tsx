/** Inviting users by email, and how a user's status shows on the Users screen. */
import { Badge, Button, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';
import type { AdminUser, Role, Group as UserGroup } from './admin-data.ts';
import { MembershipFields, NameFields } from './user-fields.tsx';

/** Active, deactivated, or invited (orange once the link has expired: resend it). */
export function StatusBadge({ user }: { user: AdminUser }) {
  if (user.status === 'invited') {
    const expired = !user.invitationExpiresAt || Date.parse(user.invitationExpiresAt) <= Date.now();
    return (
      <Badge
        color={expired ? 'orange' : 'blue'}
        variant="light"
        title={
          user.invitationExpiresAt
            ? `The link ${expired ? 'expired' : 'expires'} ${formatDateTime(user.invitationExpiresAt)}`
            : undefined
        }
      >
        {expired ? 'Invited · expired' : 'Invited'}
      </Badge>
    );
  }
  return (
    <Badge color={user.active ? 'green' : 'gray'} variant="light">
      {user.active ? 'active' : 'deactivated'}
    </Badge>
  );
}

/** Invite by email: the server creates the user invited and mails a single-use link. */
export function InviteDialog({
  roles,
  groups,
  onClose,
  onInvited,
}: {
  roles: Role[];
  groups: UserGroup[];
  onClose: () => void;
  onInvited: () => void;
}) {
  const [values, setValues] = useState({
    email: '',
    username: '',
    firstName: '',
    lastName: '',
    // Until the admin picks roles, the server gives the User role, as it does to a created user.
    roleIds: null as string[] | null,
    groupIds: [] as string[],
  });
  const defaultRoles = roles.filter((role) => role.name === 'User').map((role) => role.id);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (patch: Partial<typeof values>) => setValues((current) => ({ ...current, ...patch }));
  const invite = async () => {
    const { username, roleIds, ...rest } = values;
    try {
      await api('POST', '/users/invitations', {
        ...rest,
        ...(username && { username }),
        ...(roleIds && { roleIds }),
      });
      done(`Invitation sent to ${values.email}`);
      onInvited();
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      if (Object.keys(byField).length === 0) fail(error);
    }
  };
  return (
    <Modal opened onClose={onClose} title="Invite a user">
      <Stack gap="xs">
        <Text size="sm" c="dimmed">
          They get an email with a link to choose their password; it works once and expires in 7 days.
        </Text>
        <TextInput
          label="Email"
          required
          type="email"
          value={values.email}
          error={errors.email}
          onChange={(e) => set({ email: e.target.value })}
        />
        <TextInput
          label="Username"
          description="Optional: made from the email otherwise; they may change it when accepting"
          value={values.username}
          error={errors.username}
          onChange={(e) => set({ username: e.target.value })}
        />
        <NameFields values={values} errors={errors} set={set} />
        <MembershipFields
          roles={roles}
          groups={groups}
          values={{ roleIds: values.roleIds ?? defaultRoles, groupIds: values.groupIds }}
          errors={errors}
          set={set}
        />
        <Button onClick={invite}>Send invitation</Button>
      </Stack>
    </Modal>
  );
}
