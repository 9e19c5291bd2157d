/**
 * The feed as a side panel beside every page (inside the shell's aside, which closes it on
 * Escape): post box, filters, the latest posts with their comments, live.
 */
import { CloseButton, Group, ScrollArea, Title } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { AppLink } from '../app/app-link.tsx';
import { ActivityFeed } from './activity-feed.tsx';

export function FeedPanel({ onClose, focusOnOpen }: { onClose: () => void; focusOnOpen: boolean }) {
  const post = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (focusOnOpen) post.current?.focus();
  }, [focusOnOpen]);
  return (
    <div style={{ display: 'flex', flexDirection: 'column', height: '100%' }} data-testid="feed-panel">
      <Group justify="space-between" px="sm" py="xs" wrap="nowrap">
        <Title order={4}>Activity</Title>
        <Group gap="xs" wrap="nowrap">
          <AppLink to="/feed" size="xs">
            Open the feed page
          </AppLink>
          <CloseButton aria-label="Close the activity panel" onClick={onClose} />
        </Group>
      </Group>
      <ScrollArea style={{ flex: 1 }} px="sm" pb="sm" type="auto">
        <ActivityFeed compact limit={15} postRef={post} />
      </ScrollArea>
    </div>
  );
}
