/** Who is signed in (end a session), sign-in attempts, the audit log, and clearing record view history. */
import { Anchor, Badge, Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { done, fail, usePaged } from '../console/console-api.ts';
import { navigate } from '../router.ts';

const when = (at: string | null) => (at ? formatDateTime(at) : '—');

function More({ hasMore, more }: { hasMore: boolean; more: () => void }) {
  return hasMore ? (
    <Button variant="default" size="xs" onClick={more}>
      Load more
    </Button>
  ) : null;
}

interface Session {
  id: string;
  username: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  current: boolean;
}

export function Sessions() {
  const { items, reload } = usePaged<Session>('/auth/sessions?all=true');
  const end = (session: Session) =>
    api('DELETE', `/auth/sessions/${session.id}`).then(() => {
      done(`${session.username}'s session ended`);
      reload();
    }, fail);
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>User</Table.Th>
            <Table.Th>From</Table.Th>
            <Table.Th>Signed in</Table.Th>
            <Table.Th>Last seen</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items?.map((s) => (
            <Table.Tr key={s.id}>
              <Table.Td>{s.username}</Table.Td>
              <Table.Td>
                {s.ip}{' '}
                <Text span size="xs" c="dimmed">
                  {s.userAgent?.slice(0, 60)}
                </Text>
              </Table.Td>
              <Table.Td>{when(s.createdAt)}</Table.Td>
              <Table.Td>{when(s.lastSeenAt)}</Table.Td>
              <Table.Td>
                {s.current ? (
                  <Badge variant="light">this session</Badge>
                ) : (
                  <Button size="compact-xs" variant="subtle" color="red" onClick={() => end(s)}>
                    End session
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

interface Attempt {
  id: string;
  at: string;
  username: string;
  success: boolean;
  reason: string | null;
  ip: string | null;
}

export function LoginHistory() {
  const [username, setUsername] = useState('');
  const [filter] = useDebouncedValue(username, 300);
  const { items, hasMore, more } = usePaged<Attempt>(
    `/auth/login-history?limit=50${filter ? `&username=${encodeURIComponent(filter)}` : ''}`,
  );
  return (
    <Stack gap="xs">
      <TextInput
        w={240}
        placeholder="Filter by username"
        aria-label="Username"
        value={username}
        onChange={(e) => setUsername(e.target.value)}
      />
      <Table.ScrollContainer minWidth={560}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Username</Table.Th>
              <Table.Th>Result</Table.Th>
              <Table.Th>From</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items?.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>{when(a.at)}</Table.Td>
                <Table.Td>{a.username}</Table.Td>
                <Table.Td>
                  <Badge color={a.success ? 'green' : 'red'} variant="light">
                    {a.success ? 'signed in' : (a.reason ?? 'failed')}
                  </Badge>
                </Table.Td>
                <Table.Td>{a.ip}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <More hasMore={hasMore} more={more} />
    </Stack>
  );
}

interface AuditEntry {
  id: string;
  at: string;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown> | null;
}

export function AuditLog() {
  const [action, setAction] = useState('');
  const [filter] = useDebouncedValue(action, 300);
  const { items, hasMore, more } = usePaged<AuditEntry>(
    `/audit?limit=50${filter ? `&action=${encodeURIComponent(filter)}` : ''}`,
  );
  const clearViews = () => {
    if (!window.confirm('Clear every user’s record view history?')) return;
    api('DELETE', '/record-views').then(() => done('Record view history cleared'), fail);
  };
  return (
    <Stack gap="xs">
      <Group justify="space-between">
        <TextInput
          w={240}
          placeholder="Filter by action, e.g. user.create"
          aria-label="Action"
          value={action}
          onChange={(e) => setAction(e.target.value)}
        />
        <Button variant="light" color="red" size="xs" onClick={clearViews}>
          Clear record view history
        </Button>
      </Group>
      <Table.ScrollContainer minWidth={720}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Who</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>Target</Table.Th>
              <Table.Th>Details</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items?.map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>{when(e.at)}</Table.Td>
                <Table.Td>{e.actorName ?? 'Weft'}</Table.Td>
                <Table.Td>{e.action}</Table.Td>
                <Table.Td>{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—'}</Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace" lineClamp={2}>
                    {e.details ? JSON.stringify(e.details) : ''}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {items?.length === 0 && <Text c="dimmed">Nothing matches.</Text>}
      <More hasMore={hasMore} more={more} />
    </Stack>
  );
}

interface Change {
  id: string;
  module: string;
  recordId: string;
  action: string;
  changes: Record<string, { before: unknown; after: unknown }>;
  actorName: string | null;
  at: string;
}

/** Every record change, newest first, with a link to the record. */
export function ChangelogAdmin() {
  const { items, hasMore, more } = usePaged<Change>('/changelog?limit=50');
  return (
    <Stack gap="xs">
      {items?.length === 0 && <Text c="dimmed">No record has changed yet.</Text>}
      <Table.ScrollContainer minWidth={640}>
        <Table striped>
          <Table.Tbody>
            {items?.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>{when(c.at)}</Table.Td>
                <Table.Td>{c.actorName ?? 'Weft'}</Table.Td>
                <Table.Td>
                  <Anchor size="sm" onClick={() => navigate(`/records/${c.module}/${c.recordId}`)}>
                    {c.action} {c.module}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" lineClamp={2}>
                    {Object.entries(c.changes ?? {})
                      .map(
                        ([field, { before, after }]) =>
                          `${field}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`,
                      )
                      .join('; ')}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <More hasMore={hasMore} more={more} />
    </Stack>
  );
}
