import { Alert } from '@mantine/core';

export function NotificationsPage(_props: { rest: string[] }) {
  return <Alert m="md">Coming soon.</Alert>;
}
