import { Button, Group, Paper, PasswordInput, SimpleGrid, Text, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';

const empty = { currentPassword: '', newPassword: '', confirm: '' };

/** Changing the password ends the user's other sessions (the API does); this one stays. */
export function PasswordForm() {
  const [values, setValues] = useState(empty);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (values.newPassword !== values.confirm) {
      setErrors({ confirm: 'does not match the new password' });
      return;
    }
    setSaving(true);
    setErrors({});
    try {
      await api('POST', '/me/password', {
        currentPassword: values.currentPassword,
        newPassword: values.newPassword,
      });
      setValues(empty);
      done('Password changed; your other sessions were signed out and your API tokens revoked');
    } catch (error) {
      const byField = fieldErrors(error);
      if (Object.keys(byField).length) setErrors(byField);
      else fail(error);
    } finally {
      setSaving(false);
    }
  };

  const input = (name: keyof typeof empty, label: string) => (
    <PasswordInput
      label={label}
      value={values[name]}
      error={errors[name]}
      required
      autoComplete={name === 'currentPassword' ? 'current-password' : 'new-password'}
      onChange={(event) => {
        const value = event.currentTarget.value;
        setValues((current) => ({ ...current, [name]: value }));
      }}
    />
  );

  return (
    <Paper withBorder p="md" component="form" onSubmit={save} data-testid="password-form">
      <Title order={5}>Change password</Title>
      <Text size="sm" c="dimmed" mb="sm">
        At least 8 characters. Your other sessions are signed out and your API tokens revoked.
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        {input('currentPassword', 'Current password')}
        {input('newPassword', 'New password')}
        {input('confirm', 'Repeat new password')}
      </SimpleGrid>
      <Group justify="flex-end" mt="md">
        <Button type="submit" loading={saving}>
          Change password
        </Button>
      </Group>
    </Paper>
  );
}
