/** On a service case: resolved cases most like it (subject and description), with their resolutions. */
import { Anchor, Badge, Group, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { navigate } from '../router.ts';

interface Similar {
  id: string;
  name: string;
  resolution: string | null;
  score: number;
}

export function SimilarCases({ id }: { id: string }) {
  const [items, setItems] = useState<Similar[] | null>(null);
  useEffect(() => {
    api<{ items: Similar[] }>('GET', `/cases/${id}/similar`).then(
      (answer) => setItems(answer.items),
      () => setItems([]),
    );
  }, [id]);
  if (items === null) return null;
  if (items.length === 0)
    return (
      <Text size="sm" c="dimmed" p="sm">
        No resolved case looks like this one.
      </Text>
    );
  return (
    <Stack gap="xs" p="sm" data-testid="similar-cases">
      {items.map((item) => (
        <Stack key={item.id} gap={2}>
          <Group gap={6}>
            <Anchor size="sm" onClick={() => navigate(`/records/cases/${item.id}`)}>
              {item.name}
            </Anchor>
            <Badge size="xs" variant="light">
              {Math.round(item.score * 100)}% alike
            </Badge>
          </Group>
          {item.resolution && (
            <Text size="xs" c="dimmed">
              {item.resolution}
            </Text>
          )}
        </Stack>
      ))}
    </Stack>
  );
}
