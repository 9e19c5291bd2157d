/**
 * The administrator's activity-feed settings: which posts Weft writes by itself
 * (`feedSystemPosts`) and how long each type of post is kept (`feedRetentionDaysByType`).
 * Each switch saves at once and applies to the next event.
 */
import { Button, Group, NumberInput, Paper, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import {
  type FeedPostType,
  feedPostTypes,
  type SystemPostType,
  systemPostTypes,
} from '../../../schemas/feed.ts';
import { api } from '../api.ts';
import { done, fail } from '../console/console-api.ts';
import { postTypeLabel } from './post-types.ts';

const descriptions: Record<SystemPostType, string> = {
  'record-created': 'A record of any module is created',
  'record-updated': 'A record is changed (the post names the fields)',
  'record-deleted': 'A record is deleted (seen by whoever deleted it, its assignee and administrators)',
  'task-completed': 'A task is marked complete',
  'web-lead': 'A web form brings in a new lead',
  process: 'A process stage is started, completed or reverted',
  notification: "A copy of each notification on its recipient's feed (each user may also turn it off)",
};

export function FeedSettings({ values }: { values: Record<string, unknown> }) {
  const [posts, setPosts] = useState(() => ({ ...(values.feedSystemPosts as Record<string, boolean>) }));
  const [retention, setRetention] = useState(() => ({
    ...(values.feedRetentionDaysByType as Record<string, number | null>),
  }));
  const [saving, setSaving] = useState(false);

  const toggle = async (type: SystemPostType, on: boolean) => {
    const next = { ...posts, [type]: on };
    try {
      await api('PATCH', '/settings', { feedSystemPosts: next });
      setPosts(next);
      done(`${postTypeLabel(type)} posts ${on ? 'on' : 'off'}`);
    } catch (error) {
      fail(error);
    }
  };

  const saveRetention = async () => {
    setSaving(true);
    try {
      // An empty box keeps the general rule: the key is left out.
      const body = Object.fromEntries(Object.entries(retention).filter(([, days]) => days !== undefined));
      await api('PATCH', '/settings', { feedRetentionDaysByType: body });
      done('Retention saved');
    } catch (error) {
      fail(error);
    } finally {
      setSaving(false);
    }
  };

  const setDays = (type: FeedPostType, value: string | number) => {
    const next = { ...retention };
    if (value === '' || value === undefined) delete next[type];
    else next[type] = Number(value);
    setRetention(next);
  };

  return (
    <Stack gap="md" maw={640} mt="xl" data-testid="feed-settings">
      <Paper withBorder p="md">
        <Title order={5}>Activity feed: what Weft posts by itself</Title>
        <Text size="sm" c="dimmed" mb="sm">
          Turned off, a type is no longer posted from the next event on; posts already made stay.
        </Text>
        <Stack gap="xs">
          {systemPostTypes.map((type) => (
            <Switch
              key={type}
              label={postTypeLabel(type)}
              description={descriptions[type]}
              checked={posts[type] !== false}
              onChange={(event) => toggle(type, event.currentTarget.checked)}
            />
          ))}
        </Stack>
      </Paper>
      <Paper withBorder p="md">
        <Title order={5}>Activity feed: how long posts are kept, by type</Title>
        <Text size="sm" c="dimmed" mb="sm">
          Days before a type of post leaves the feed (pinned posts stay). Leave a box empty to use the general
          feed retention above.
        </Text>
        <Table>
          <Table.Tbody>
            {feedPostTypes.map((type) => (
              <Table.Tr key={type}>
                <Table.Td>{postTypeLabel(type)}</Table.Td>
                <Table.Td w={160}>
                  <NumberInput
                    aria-label={`Days to keep ${postTypeLabel(type)} posts`}
                    placeholder="General rule"
                    min={1}
                    max={36500}
                    allowDecimal={false}
                    size="xs"
                    value={retention[type] ?? ''}
                    onChange={(value) => setDays(type, value)}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Group justify="flex-end" mt="sm">
          <Button onClick={saveRetention} loading={saving}>
            Apply retention
          </Button>
        </Group>
      </Paper>
    </Stack>
  );
}
