import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Paper,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';
import { type ApiToken, when } from './profile-api.ts';

/** My API tokens: a new one's secret is shown once (the server keeps only its hash). */
export function ApiTokens() {
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const load = useCallback(() => {
    api<Page<ApiToken>>('GET', '/auth/tokens').then(
      (page) => {
        setTokens(page.items);
        setLoadError(null);
      },
      (reason: Error) => setLoadError(reason.message),
    );
  }, []);
  useEffect(load, [load]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setNameError(undefined);
    try {
      const token = await api<ApiToken & { token: string }>('POST', '/auth/tokens', { name: name.trim() });
      setCreated({ name: token.name, token: token.token });
      setName('');
      load();
    } catch (error) {
      const reason = fieldErrors(error).name;
      if (reason) setNameError(reason);
      else fail(error);
    }
  };

  const revoke = async (token: ApiToken) => {
    setRevoking(null);
    try {
      await api('DELETE', `/auth/tokens/${token.id}`);
      done(`Token "${token.name}" revoked`);
      load();
    } catch (error) {
      fail(error);
    }
  };

  return (
    <Paper withBorder p="md" data-testid="api-tokens">
      <Title order={5}>API tokens</Title>
      <Text size="sm" c="dimmed" mb="sm">
        Scripts send a token as <Code>Authorization: Bearer …</Code> and act as you.
      </Text>
      <Group component="form" onSubmit={create} align="flex-start">
        <TextInput
          placeholder="What the token is for"
          aria-label="Token name"
          value={name}
          error={nameError}
          onChange={(event) => setName(event.currentTarget.value)}
          style={{ flex: 1 }}
        />
        <Button type="submit" disabled={!name.trim()}>
          Create token
        </Button>
      </Group>
      {created && (
        <Alert
          mt="sm"
          color="green"
          title={`Token "${created.name}" created: copy it now, it will not be shown again`}
          withCloseButton
          onClose={() => setCreated(null)}
        >
          <Group gap="xs" wrap="nowrap">
            <Code data-testid="new-token" style={{ wordBreak: 'break-all' }}>
              {created.token}
            </Code>
            <CopyButton value={created.token}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      {loadError && (
        <Alert mt="sm" color="red" title="Could not load your tokens">
          {loadError}
        </Alert>
      )}
      {tokens?.length === 0 && (
        <Text mt="sm" c="dimmed" size="sm">
          You have no API tokens.
        </Text>
      )}
      {tokens && tokens.length > 0 && (
        <Table.ScrollContainer minWidth={520}>
          <Table mt="sm" data-testid="token-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Last used</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {tokens.map((token) => (
                <Table.Tr key={token.id}>
                  <Table.Td>{token.name}</Table.Td>
                  <Table.Td>{when(token.createdAt)}</Table.Td>
                  <Table.Td>{token.lastUsedAt ? when(token.lastUsedAt) : 'never'}</Table.Td>
                  <Table.Td ta="right">
                    {token.revokedAt ? (
                      <Badge color="gray">revoked</Badge>
                    ) : (
                      <Button
                        size="xs"
                        color="red"
                        variant="subtle"
                        aria-label={`Revoke ${token.name}`}
                        onClick={() => setRevoking(token)}
                      >
                        Revoke
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal opened={revoking !== null} onClose={() => setRevoking(null)} title="Revoke this token?">
        <Text size="sm">Scripts using "{revoking?.name}" stop working at once. This cannot be undone.</Text>
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setRevoking(null)}>
            Cancel
          </Button>
          <Button color="red" onClick={() => revoking && revoke(revoking)}>
            Revoke token
          </Button>
        </Group>
      </Modal>
    </Paper>
  );
}
