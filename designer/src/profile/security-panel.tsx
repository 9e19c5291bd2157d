import { Alert, Badge, Button, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';
import { done, fail, usePaged } from '../console/console-api.ts';
import { ApiTokens } from './api-tokens.tsx';
import { type LoginAttempt, type Session, when } from './profile-api.ts';

export function SecurityPanel() {
  return (
    <Stack gap="xl">
      <ApiTokens />
      <Sessions />
      <LoginHistory />
    </Stack>
  );
}

/** My signed-in browsers; this one cannot be ended here (that is "Sign out"). */
function Sessions() {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api<Page<Session>>('GET', '/auth/sessions').then(
      (page) => {
        setSessions(page.items);
        setError(null);
      },
      (reason: Error) => setError(reason.message),
    );
  }, []);
  useEffect(load, [load]);

  const end = async (session: Session) => {
    try {
      await api('DELETE', `/auth/sessions/${session.id}`);
      done('Session ended');
      load();
    } catch (reason) {
      fail(reason);
    }
  };

  return (
    <Paper withBorder p="md" data-testid="my-sessions">
      <Title order={5} mb="sm">
        Active sessions
      </Title>
      {error && (
        <Alert color="red" title="Could not load your sessions">
          {error}
        </Alert>
      )}
      {sessions?.length === 0 && (
        <Text c="dimmed" size="sm">
          No active sessions.
        </Text>
      )}
      {sessions && sessions.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Browser</Table.Th>
                <Table.Th>IP</Table.Th>
                <Table.Th>Signed in</Table.Th>
                <Table.Th>Last seen</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sessions.map((session) => (
                <Table.Tr key={session.id}>
                  <Table.Td maw={360} style={{ overflowWrap: 'anywhere' }}>
                    {session.userAgent ?? 'unknown'}
                  </Table.Td>
                  <Table.Td>{session.ip ?? '—'}</Table.Td>
                  <Table.Td>{when(session.createdAt)}</Table.Td>
                  <Table.Td>{when(session.lastSeenAt)}</Table.Td>
                  <Table.Td ta="right" miw={140}>
                    {session.current ? (
                      <Badge variant="light">this session</Badge>
                    ) : (
                      <Button size="xs" color="red" variant="subtle" onClick={() => end(session)}>
                        End
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}

function LoginHistory() {
  const { items, error, hasMore, more } = usePaged<LoginAttempt>('/auth/login-history?limit=20');
  return (
    <Paper withBorder p="md" data-testid="my-login-history">
      <Title order={5} mb="sm">
        Sign-in history
      </Title>
      {error && (
        <Alert color="red" title="Could not load your sign-in history">
          {error}
        </Alert>
      )}
      {items?.length === 0 && (
        <Text c="dimmed" size="sm">
          No sign-ins yet.
        </Text>
      )}
      {items && items.length > 0 && (
        <Table.ScrollContainer minWidth={560}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Result</Table.Th>
                <Table.Th>IP</Table.Th>
                <Table.Th>Browser</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((attempt) => (
                <Table.Tr key={attempt.id}>
                  <Table.Td>{when(attempt.at)}</Table.Td>
                  <Table.Td>
                    <Badge color={attempt.success ? 'green' : 'red'} variant="light">
                      {attempt.success ? 'signed in' : 'failed'}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{attempt.ip ?? '—'}</Table.Td>
                  <Table.Td maw={360} style={{ overflowWrap: 'anywhere' }}>
                    {attempt.userAgent ?? 'unknown'}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {hasMore && (
        <Button variant="subtle" mt="xs" onClick={more}>
          Load more
        </Button>
      )}
    </Paper>
  );
}
