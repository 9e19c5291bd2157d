import { Alert } from '@mantine/core';

export function AdminPage(_props: { rest: string[] }) {
  return <Alert m="md">Coming soon.</Alert>;
}
