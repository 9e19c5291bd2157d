import { Alert } from '@mantine/core';

export function StudioPage(_props: { rest: string[] }) {
  return <Alert m="md">Coming soon.</Alert>;
}
