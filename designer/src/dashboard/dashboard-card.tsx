/** A dashboard panel: a titled card with an optional "see all" link, its error with a retry, or its body. */
import { Alert, Button, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { AppLink } from '../app/app-link.tsx';

export function DashboardCard({
  title,
  all,
  loading,
  error,
  onRetry,
  children,
  testId,
}: {
  title: string;
  /** Where the full list lives: `[label, path]`. */
  all?: [string, string];
  loading: boolean;
  error: string | null;
  onRetry: () => void;
  children: ReactNode;
  testId: string;
}) {
  return (
    <Paper withBorder p="sm" component="section" aria-label={title} data-testid={testId}>
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Title order={4}>{title}</Title>
        {all && <AppLink to={all[1]}>{all[0]}</AppLink>}
      </Group>
      {error ? (
        <Alert color="red" variant="light" title="Could not load this">
          <Text size="sm">{error}</Text>
          <Button size="xs" variant="light" color="red" mt="xs" onClick={onRetry}>
            Try again
          </Button>
        </Alert>
      ) : loading ? (
        <Loader size="sm" />
      ) : (
        <Stack gap="xs">{children}</Stack>
      )}
    </Paper>
  );
}

/** An empty panel's text: what would show here, and what to do about it. */
export const Empty = ({ children }: { children: ReactNode }) => (
  <Text size="sm" c="dimmed" data-testid="empty">
    {children}
  </Text>
);
