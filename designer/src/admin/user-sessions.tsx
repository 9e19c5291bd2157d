/** One user's active sessions (`GET /api/users/:id/sessions`), each of which an admin may end. */
import { Alert, Button, Loader, Modal, Table, Text } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { done, fail } from '../console/console-api.ts';
import type { AdminUser } from './admin-data.ts';

interface Session {
  id: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
}

export function UserSessionsDialog({ user, onClose }: { user: AdminUser; onClose: () => void }) {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    () =>
      api<Page<Session>>('GET', `/users/${user.id}/sessions`).then(
        (page) => setSessions(page.items),
        (e: Error) => setError(e.message),
      ),
    [user.id],
  );
  useEffect(() => {
    load();
  }, [load]);
  const end = (session: Session) =>
    api('DELETE', `/auth/sessions/${session.id}`).then(() => {
      done(`${user.username}'s session ended`);
      load();
    }, fail);
  return (
    <Modal opened onClose={onClose} title={`${user.username}'s sessions`} size="lg">
      {error ? (
        <Alert color="red" title="Could not load the sessions">
          {error}
        </Alert>
      ) : sessions === null ? (
        <Loader size="sm" />
      ) : sessions.length === 0 ? (
        <Text c="dimmed" size="sm" data-testid="empty">
          No active sessions: {user.username} is not signed in anywhere.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table striped data-testid="user-sessions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>From</Table.Th>
                <Table.Th>Signed in</Table.Th>
                <Table.Th>Last seen</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sessions.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>
                    {s.ip}{' '}
                    <Text span size="xs" c="dimmed">
                      {s.userAgent?.slice(0, 60)}
                    </Text>
                  </Table.Td>
                  <Table.Td>{formatDateTime(s.createdAt)}</Table.Td>
                  <Table.Td>{formatDateTime(s.lastSeenAt)}</Table.Td>
                  <Table.Td>
                    <Button size="compact-xs" variant="subtle" color="red" onClick={() => end(s)}>
                      End session
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Modal>
  );
}
