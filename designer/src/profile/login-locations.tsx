/** Where I sign in from, as a list (the seed guide's map of login locations, without a map). */
import { Paper, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { when } from './profile-api.ts';

interface LoginLocation {
  ip: string;
  place: string;
  signIns: number;
  firstAt: string;
  lastAt: string;
}

/** Mine, or (`userId`, administrators) another user's. */
export function LoginLocations({
  userId,
  title = 'Where I sign in from',
}: {
  userId?: string;
  title?: string;
}) {
  const [items, setItems] = useState<LoginLocation[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ items: LoginLocation[] }>(
      'GET',
      userId ? `/users/${userId}/login-locations` : '/me/login-locations',
    ).then(
      (page) => setItems(page.items),
      (reason: Error) => setError(reason.message),
    );
  }, [userId]);
  return (
    <Paper withBorder p="md" data-testid="login-locations">
      <Title order={5} mb="sm">
        {title}
      </Title>
      {error && (
        <Text size="sm" c="red">
          Could not load the sign-in places: {error}
        </Text>
      )}
      {items?.length === 0 && (
        <Text size="sm" c="dimmed">
          No sign-ins recorded yet.
        </Text>
      )}
      {items && items.length > 0 && (
        <Table.ScrollContainer minWidth={420}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Place</Table.Th>
                <Table.Th>Address</Table.Th>
                <Table.Th>Sign-ins</Table.Th>
                <Table.Th>Last</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((item) => (
                <Table.Tr key={item.ip}>
                  <Table.Td>{item.place}</Table.Td>
                  <Table.Td>{item.ip}</Table.Td>
                  <Table.Td>{item.signIns}</Table.Td>
                  <Table.Td>{when(item.lastAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Paper>
  );
}
