import { Badge, Group, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import type { Problem } from './flows-api.ts';

export function ProblemsPanel({
  problems,
  onPick,
  titleOf,
}: {
  problems: readonly Problem[];
  onPick: (nodeId: string) => void;
  /** The node's name as the canvas shows it. */
  titleOf: (nodeId: string) => string;
}) {
  if (problems.length === 0)
    return (
      <Text size="sm" c="teal" p="md" data-testid="no-problems">
        No problems: the draft can be published.
      </Text>
    );
  return (
    <ScrollArea h="100%">
      <Stack gap={4} p="sm" data-testid="problems">
        {problems.map((problem, index) => (
          <UnstyledButton
            // biome-ignore lint/suspicious/noArrayIndexKey: problems have no identity of their own
            key={index}
            onClick={() => problem.nodeId && onPick(problem.nodeId)}
            p={6}
            style={{ borderRadius: 6 }}
          >
            <Group gap={6} wrap="nowrap" align="flex-start">
              <Badge size="xs" color="red" variant="light" style={{ flexShrink: 0 }}>
                {problem.nodeId ? titleOf(problem.nodeId) : 'Flow'}
              </Badge>
              <Text size="xs">{problem.message}</Text>
            </Group>
          </UnstyledButton>
        ))}
      </Stack>
    </ScrollArea>
  );
}
