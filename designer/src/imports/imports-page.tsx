import { Alert } from '@mantine/core';

export function ImportsPage(_props: { rest: string[] }) {
  return <Alert m="md">Coming soon.</Alert>;
}
