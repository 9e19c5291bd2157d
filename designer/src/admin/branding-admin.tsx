/** Branding: the app name, the logo (uploaded, type and size checked by the server) and the default theme. */
import {
  Button,
  FileButton,
  Group,
  Image,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import { reloadBranding, useBranding } from '../app/branding.ts';
import { done, fail } from '../console/console-api.ts';

export function BrandingAdmin() {
  const branding = useBranding();
  const [appName, setAppName] = useState(branding.appName);
  const [theme, setTheme] = useState<string | null>(branding.defaultTheme);
  const save = () =>
    api('PATCH', '/settings', { appName, defaultTheme: theme })
      .then(() => reloadBranding())
      .then(() => done('Branding saved'), fail);
  const upload = (file: File | null) => {
    if (!file) return;
    api('PUT', '/branding/logo', file)
      .then(() => reloadBranding())
      .then(() => done('Logo uploaded'), fail);
  };
  const remove = () =>
    api('DELETE', '/branding/logo')
      .then(() => reloadBranding())
      .then(() => done('Logo removed'), fail);
  return (
    <Paper withBorder p="md" maw={560} data-testid="branding">
      <Stack gap="sm">
        <Title order={5}>Branding</Title>
        <TextInput label="App name" value={appName} onChange={(e) => setAppName(e.target.value)} />
        <Select
          label="Default theme"
          data={[
            { value: 'light', label: 'Light' },
            { value: 'dark', label: 'Dark' },
            { value: 'auto', label: 'As the device prefers' },
          ]}
          value={theme}
          onChange={setTheme}
        />
        <Group>
          <Button onClick={save}>Save</Button>
        </Group>
        <Text size="sm" fw={500}>
          Logo
        </Text>
        {branding.logoUrl ? (
          <Image src={branding.logoUrl} alt="Current logo" h={48} w="auto" fit="contain" />
        ) : (
          <Text size="sm" c="dimmed">
            No logo: the app name is shown alone.
          </Text>
        )}
        <Text size="xs" c="dimmed">
          PNG, JPEG, GIF or WebP, at most 512 KB. Shown on the sign-in page, in the header and in emails.
        </Text>
        <Group>
          <FileButton onChange={upload} accept="image/png,image/jpeg,image/gif,image/webp">
            {(props) => (
              <Button variant="light" {...props}>
                Upload a logo…
              </Button>
            )}
          </FileButton>
          {branding.logoUrl && (
            <Button variant="subtle" color="red" onClick={remove}>
              Remove logo
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
