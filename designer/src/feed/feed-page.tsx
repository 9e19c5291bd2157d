import { Alert } from '@mantine/core';

export function FeedPage(_props: { rest: string[] }) {
  return <Alert m="md">Coming soon.</Alert>;
}
