/** The fields a user form and the invitation share: name, roles and groups. */
import { Group, MultiSelect, TextInput } from '@mantine/core';
import type { Role, Group as UserGroup } from './admin-data.ts';

interface Fields {
  firstName: string;
  lastName: string;
  roleIds: string[];
  groupIds: string[];
}

export function NameFields({
  values,
  errors,
  set,
}: {
  values: Pick<Fields, 'firstName' | 'lastName'>;
  errors: Record<string, string>;
  set: (patch: Partial<Fields>) => void;
}) {
  return (
    <Group grow>
      <TextInput
        label="First name"
        value={values.firstName}
        error={errors.firstName}
        onChange={(e) => set({ firstName: e.target.value })}
      />
      <TextInput
        label="Last name"
        value={values.lastName}
        error={errors.lastName}
        onChange={(e) => set({ lastName: e.target.value })}
      />
    </Group>
  );
}

export function MembershipFields({
  roles,
  groups,
  values,
  errors,
  set,
}: {
  roles: Role[];
  groups: UserGroup[];
  values: Pick<Fields, 'roleIds' | 'groupIds'>;
  errors: Record<string, string>;
  set: (patch: Partial<Fields>) => void;
}) {
  return (
    <>
      <MultiSelect
        label="Roles"
        data={roles.map((r) => ({ value: r.id, label: r.name }))}
        value={values.roleIds}
        error={errors.roleIds}
        onChange={(roleIds) => set({ roleIds })}
      />
      <MultiSelect
        label="Groups"
        data={groups.map((g) => ({ value: g.id, label: g.name }))}
        value={values.groupIds}
        error={errors.groupIds}
        onChange={(groupIds) => set({ groupIds })}
      />
    </>
  );
}
