import { Button, Group, Paper, SimpleGrid, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';
import type { Me } from './profile-api.ts';

const fields = [
  { name: 'firstName', label: 'First name' },
  { name: 'lastName', label: 'Last name' },
  { name: 'email', label: 'Email' },
  { name: 'title', label: 'Title' },
  { name: 'phone', label: 'Phone' },
] as const;
type Field = (typeof fields)[number]['name'];

const valuesOf = (me: Me) =>
  Object.fromEntries(fields.map(({ name }) => [name, me[name] ?? ''])) as Record<Field, string>;

/** Name, email, title and phone; the API's reasons show under the fields they name. */
export function ProfileForm({ me, onSaved }: { me: Me; onSaved: (me: Me) => void }) {
  const [values, setValues] = useState(() => valuesOf(me));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setErrors({});
    // Cleared optional fields are stored as null, names as empty strings (they are not nullable).
    const body = {
      firstName: values.firstName.trim(),
      lastName: values.lastName.trim(),
      email: values.email.trim() || null,
      title: values.title.trim() || null,
      phone: values.phone.trim() || null,
    };
    try {
      const saved = await api<Me>('PATCH', '/me', body);
      onSaved({ ...me, ...saved });
      setValues(valuesOf(saved));
      done('Profile saved');
    } catch (error) {
      const byField = fieldErrors(error);
      if (Object.keys(byField).length) setErrors(byField);
      else fail(error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Paper withBorder p="md" component="form" onSubmit={save} data-testid="profile-form">
      <Title order={5} mb="sm">
        Profile
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {fields.map(({ name, label }) => (
          <TextInput
            key={name}
            label={label}
            value={values[name]}
            error={errors[name]}
            onChange={(event) => {
              const value = event.currentTarget.value;
              setValues((current) => ({ ...current, [name]: value }));
            }}
          />
        ))}
      </SimpleGrid>
      <Group justify="flex-end" mt="md">
        <Button type="submit" loading={saving}>
          Save profile
        </Button>
      </Group>
    </Paper>
  );
}
