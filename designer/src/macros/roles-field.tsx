/**
 * The macro trigger's "Available to" (`roles`, marked `x-weft-ref: roles`): roles chosen by
 * name, plus "Every signed-in user" (`*`). Role ids are what the flow stores; a role deleted
 * since is shown as missing so the admin can take it out.
 */
import { MultiSelect, Text } from '@mantine/core';
import type { FieldProps } from '@rjsf/utils';
import { useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';

export const everyone = { value: '*', label: 'Every signed-in user' };

let roles: Promise<{ value: string; label: string }[]> | null = null;
function roleOptions() {
  roles ??= api<Page<{ id: string; name: string }>>('GET', '/roles?limit=200').then(
    (page) => page.items.map((role) => ({ value: role.id, label: role.name })),
    (error) => {
      roles = null;
      throw error;
    },
  );
  return roles;
}

export function RolesField({ formData, onChange, schema, rawErrors, fieldPathId }: FieldProps) {
  const [options, setOptions] = useState<{ value: string; label: string }[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    roleOptions().then(setOptions, (error: Error) => setProblem(error.message));
  }, []);
  const value = Array.isArray(formData) ? formData.filter((v): v is string => typeof v === 'string') : [];
  const known = [everyone, ...(options ?? [])];
  const data = [
    ...known,
    ...value
      .filter((id) => !known.some((option) => option.value === id))
      .map((id) => ({ value: id, label: options ? 'Missing role (deleted)' : 'Loading…' })),
  ];
  return (
    <div>
      <MultiSelect
        id={fieldPathId.$id}
        label={schema.title ?? 'Available to'}
        description="Who may run this macro from a record or a selection in the list. Administrators always may."
        placeholder={value.length === 0 ? 'Administrators only' : undefined}
        data={data}
        value={value}
        searchable
        clearable
        error={[...(rawErrors ?? []), ...(problem ? [problem] : [])].join(' ') || undefined}
        // "Every signed-in user" makes the roles moot: choosing it keeps it alone.
        onChange={(next) => {
          const added = next.find((v) => !value.includes(v));
          onChange(
            added === '*' ? ['*'] : next.filter((v) => v !== '*' || next.length === 1),
            fieldPathId.path,
          );
        }}
      />
      {value.includes('*') && (
        <Text size="xs" c="dimmed" mt={4}>
          Everyone who can see a record may run it there.
        </Text>
      )}
    </div>
  );
}
