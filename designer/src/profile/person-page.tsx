/**
 * Another user's profile (`/people/:id`), the seed guide's snapshot of a person: contact
 * details, their activity feed (posts they wrote or that are on their feed), their open
 * tasks (as far as my role lets me see them) and, for administrators, where they sign in
 * from. Only the user edits their own details (on "My profile").
 */
import { Alert, Anchor, Center, Loader, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { AppLink } from '../app/app-link.tsx';
import { useCurrentUser } from '../app/current-user.ts';
import { MyTasks } from '../dashboard/my-tasks.tsx';
import { ActivityFeed } from '../feed/activity-feed.tsx';
import { LoginLocations } from './login-locations.tsx';
import type { Me } from './profile-api.ts';

export function PersonPage({ id }: { id: string }) {
  const me = useCurrentUser();
  const [person, setPerson] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setPerson(null);
    api<Me>('GET', `/users/${id}`).then(setPerson, (reason: Error) => setError(reason.message));
  }, [id]);

  if (error)
    return (
      <Alert m="lg" color="red" title="Could not load this person">
        {error}
      </Alert>
    );
  if (!person)
    return (
      <Center p="xl">
        <Loader />
      </Center>
    );
  const name = `${person.firstName} ${person.lastName}`.trim() || person.username;
  const details: [string, string | null][] = [
    ['Username', person.username],
    ['Title', person.title],
    ['Email', person.email],
    ['Phone', person.phone],
  ];
  return (
    <Stack p="lg" gap="md" style={{ overflow: 'auto' }} maw={1280} data-testid="person-page">
      <Title order={3}>{name}</Title>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Stack gap="lg">
          <Paper withBorder p="md">
            <Title order={5} mb="sm">
              Contact details
            </Title>
            <Table>
              <Table.Tbody>
                {details.map(([label, value]) => (
                  <Table.Tr key={label}>
                    <Table.Th w={120}>{label}</Table.Th>
                    <Table.Td>
                      {label === 'Email' && value ? (
                        <Anchor href={`mailto:${value}`}>{value}</Anchor>
                      ) : (
                        (value ?? '—')
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {me.id === person.id && (
              <Text size="sm" mt="sm">
                This is you: <AppLink to="/profile">edit your details</AppLink>.
              </Text>
            )}
          </Paper>
          <MyTasks userId={person.id} title="Open tasks" />
          {(me.isAdmin || me.id === person.id) && (
            <LoginLocations userId={person.id} title="Where they sign in from" />
          )}
        </Stack>
        <Paper withBorder p="md" data-testid="person-feed">
          <Title order={5} mb="sm">
            Activity
          </Title>
          <ActivityFeed userId={person.id} postBox={false} limit={15} compact />
        </Paper>
      </SimpleGrid>
    </Stack>
  );
}
